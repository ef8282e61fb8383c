import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { OhlcvBarInput } from '../../src/index.js'
import { createMetrics, serveMetrics, type MetricsServer, type QuantDbMetrics } from '../../src/metrics/index.js'
import { createTestDb, type TestDb } from '../../src/testing/index.js'
import { TARGETS, openTarget, skipReason } from '../helpers/targets.js'

const bar = (ticker: string, date: string, close: number): OhlcvBarInput =>
  ({ ticker, region: 'KR', date, open: 100, high: Math.max(110, close), low: Math.min(90, close), close, volume: 1_000 })

/** The value of one sample of the exposition text, by name and exact labels (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]))
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3])
  }
  return undefined
}

for (const target of TARGETS) {
  const reason = skipReason(target)
  describe.skipIf(reason !== null)(`Prometheus metrics [${target.name}]${reason ? ` (skipped: ${reason})` : ''}`, () => {
    let db: TestDb
    let metrics: QuantDbMetrics
    let server: MetricsServer
    const scrape = async () => {
      const res = await fetch(server.url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/plain')
      return res.text()
    }

    beforeAll(async () => {
      metrics = createMetrics()
      db = await openTarget(target, { instrument: metrics.instrument })
      metrics.observe(db)
      server = await serveMetrics(metrics.registry, { port: 0 })
    })
    afterAll(async () => {
      await server?.close()
      await db?.close()
    })

    it('times calls per repository method and counts ingest rows by outcome and errors by reason', async () => {
      await db.tickers.upsert([{ ticker: 'M1', region: 'KR' }, { ticker: 'M2', region: 'KR' }])
      await db.ohlcv.upsert([bar('M1', '2024-03-04', 101), bar('M1', '2024-03-05', 102), bar('M2', '2024-03-04', 103)])
      await db.ohlcv.upsert([bar('M1', '2024-03-04', 101), bar('M1', '2024-03-05', 99), bar('M2', '2024-03-04', 103)])
      await db.ohlcv.upsert([bar('M2', '2024-03-05', 104), { ...bar('M2', '2024-03-06', 105), high: 1 }], { onInvalid: 'skip' })
      await expect(db.ohlcv.upsert([{ ...bar('M2', '2024-03-07', 105), low: -1 }])).rejects.toThrow()
      for (let i = 0; i < 3; i++) await db.ohlcv.recent({ ticker: 'M1', region: 'KR', limit: 2 })
      const text = await scrape()
      expect(sample(text, 'quantdb_ingest_rows_total', { repo: 'ohlcv', outcome: 'inserted' })).toBe(4)
      expect(sample(text, 'quantdb_ingest_rows_total', { repo: 'ohlcv', outcome: 'updated' })).toBe(1)
      expect(sample(text, 'quantdb_ingest_rows_total', { repo: 'ohlcv', outcome: 'unchanged' })).toBe(2)
      expect(sample(text, 'quantdb_ingest_rows_total', { repo: 'ohlcv', outcome: 'rejected' })).toBe(1)
      expect(sample(text, 'quantdb_ingest_rows_total', { repo: 'tickers', outcome: 'inserted' })).toBe(2)
      expect(sample(text, 'quantdb_errors_total', { repo: 'ohlcv', method: 'upsert', reason: 'validation' })).toBe(1)
      const latest = { repo: 'ohlcv', method: 'recent', target: 'primary', outcome: 'ok' }
      expect(sample(text, 'quantdb_call_duration_seconds_count', latest)).toBe(3)
      expect(sample(text, 'quantdb_call_duration_seconds_bucket', { ...latest, le: '+Inf' })).toBe(3)
      expect(sample(text, 'quantdb_call_duration_seconds_sum', latest)).toBeGreaterThan(0)
      expect(sample(text, 'quantdb_call_duration_seconds_count', { repo: 'ohlcv', method: 'upsert', target: 'primary', outcome: 'ok' })).toBe(3)
      expect(sample(text, 'quantdb_call_duration_seconds_count', { repo: 'ohlcv', method: 'upsert', target: 'primary', outcome: 'error' })).toBe(1)
      expect(sample(text, 'quantdb_calls_in_flight', { repo: 'ohlcv' })).toBe(0)
    })

    it('reads API calls, failures and latency per endpoint and system logs by level from the database', async () => {
      for (const [ms, status] of [[10, 200], [20, 500], [30, 200]] as const) {
        await db.logs.api({ apiEndpoint: '/uapi/a', responseStatus: status, responseTimeMs: ms })
      }
      await db.logs.api({ apiEndpoint: '/uapi/b', responseStatus: 200, responseTimeMs: 5 })
      await db.logs.system({ logLevel: 'ERROR', module: 'm', message: 'one' })
      await db.logs.system({ logLevel: 'ERROR', module: 'm', message: 'two' })
      await db.logs.system({ logLevel: 'INFO', module: 'm', message: 'three' })
      const text = await scrape()
      expect(sample(text, 'quantdb_api_calls', { endpoint: '/uapi/a' })).toBe(3)
      expect(sample(text, 'quantdb_api_calls', { endpoint: '/uapi/b' })).toBe(1)
      expect(sample(text, 'quantdb_api_call_rate', { endpoint: '/uapi/a' })).toBeCloseTo(3 / 300, 12)
      expect(sample(text, 'quantdb_api_failures', { endpoint: '/uapi/a' })).toBe(1)
      expect(sample(text, 'quantdb_api_failure_ratio', { endpoint: '/uapi/a' })).toBeCloseTo(1 / 3, 12)
      expect(sample(text, 'quantdb_api_failure_ratio', { endpoint: '/uapi/b' })).toBe(0)
      // Continuous percentiles of 10, 20, 30 ms: the median is 20; p99 sits at 1.98 of the way: 20 + 0.98 * 10.
      expect(sample(text, 'quantdb_api_latency_seconds', { endpoint: '/uapi/a', quantile: '0.5' })).toBeCloseTo(0.02, 12)
      expect(sample(text, 'quantdb_api_latency_seconds', { endpoint: '/uapi/a', quantile: '0.99' })).toBeCloseTo(0.0298, 12)
      expect(sample(text, 'quantdb_system_logs', { level: 'ERROR' })).toBe(2)
      expect(sample(text, 'quantdb_system_logs', { level: 'INFO' })).toBe(1)
      expect(sample(text, 'quantdb_system_logs', { level: 'WARNING' })).toBe(0)
      expect(text).not.toContain('quantdb_scrape_errors_total{')
    })

    it.skipIf(!target.timescale)('reports TimescaleDB jobs, compression ratio and chunks', async () => {
      await db.ops.compress('ohlcv_data', { olderThan: '1 day' })
      await db.ops.runJobs({ procName: 'policy_refresh_continuous_aggregate' })
      const text = await scrape()
      const stats = (await db.ops.compressionStats()).find((s) => s.hypertable === 'ohlcv_data')!
      expect(stats.compressedChunks).toBeGreaterThan(0)
      expect(sample(text, 'quantdb_chunks', { hypertable: 'ohlcv_data', state: 'compressed' })).toBe(stats.compressedChunks)
      expect(sample(text, 'quantdb_chunks', { hypertable: 'ohlcv_data', state: 'uncompressed' })).toBe(stats.totalChunks - stats.compressedChunks)
      expect(sample(text, 'quantdb_compression_ratio', { hypertable: 'ohlcv_data' })).toBeCloseTo(stats.ratio!, 6)
      const job = (await db.ops.jobs()).find((j) => j.procName === 'policy_refresh_continuous_aggregate')!
      expect(sample(text, 'quantdb_timescale_job_failures', { job_id: String(job.jobId), proc: job.procName, target: job.target ?? '' })).toBe(0)
    })

    it.skipIf(target.timescale)('leaves TimescaleDB gauges out in plain mode', async () => {
      const text = await scrape()
      expect(text).not.toMatch(/^quantdb_timescale_job_failures\{/m)
      expect(text).not.toMatch(/^quantdb_chunks\{/m)
    })
  })
}

describe.skipIf(inject('serverSkip') !== null)('quant-db metrics --port', () => {
  let db: TestDb
  beforeAll(async () => {
    db = await createTestDb({ mode: 'postgres' })
    await db.logs.system({ logLevel: 'CRITICAL', module: 'cli', message: 'scraped' })
  })
  afterAll(() => db?.close())

  it('serves /metrics on loopback from the database until stopped', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'metrics', '--port', '0', '--url', db.url!], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const [url] = await new Promise<string[]>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', (line) => resolve([line]))
        child.once('exit', (code) => reject(new Error(`quant-db metrics exited with ${code}`)))
      })
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      const text = await (await fetch(url!)).text()
      expect(sample(text, 'quantdb_system_logs', { level: 'CRITICAL' })).toBe(1)
      expect(sample(text, 'quantdb_connections', { state: 'active' })).toBeGreaterThanOrEqual(1)
      expect((await fetch(url!.replace('/metrics', '/other'))).status).toBe(404)
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})
