import { Counter, Gauge, type Registry } from 'prom-client'
import type { QuantDb } from '../client.js'

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const

interface Snapshot {
  api: { endpoint: string; calls: number; failures: number; p50: number | null; p95: number | null; p99: number | null }[]
  levels: Map<string, number>
  jobs: { job_id: number; proc_name: string; target: string | null; total_runs: number; total_failures: number; last_failed: boolean }[]
  compression: { hypertable: string; totalChunks: number; compressedChunks: number; ratio: number | null }[]
  replicas: { server: string; lagSeconds: number | null; inUse: boolean }[]
  connections: Map<string, number>
}

const API_SQL = `SELECT api_endpoint AS endpoint, count(*)::int AS calls, (count(*) FILTER (WHERE success IS FALSE))::int AS failures,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms) AS p99
  FROM api_logs WHERE "timestamp" > now() - make_interval(secs => $1) GROUP BY api_endpoint`

const JOBS_SQL = `SELECT s.job_id, j.proc_name, coalesce(ca.view_name, j.hypertable_name)::text AS target,
    coalesce(s.total_runs, 0)::int AS total_runs, coalesce(s.total_failures, 0)::int AS total_failures,
    coalesce(s.last_run_status = 'Failed', false) AS last_failed
  FROM timescaledb_information.job_stats s
  JOIN timescaledb_information.jobs j ON j.job_id = s.job_id
  LEFT JOIN timescaledb_information.continuous_aggregates ca ON ca.materialization_hypertable_name = j.hypertable_name`

/**
 * Gauges read from the database at scrape time (one snapshot per scrape, shared by every gauge): API
 * calls, failures and latency per endpoint over the last `windowSeconds` of `api_logs`, system logs by
 * level, TimescaleDB job failures, compression ratio and chunks, replica lag, server connections.
 * A part the database cannot answer (plain mode, no rights) is counted in `scrape_errors_total`.
 */
export function databaseMetrics(registry: Registry, prefix: string, qdb: QuantDb, windowSeconds: number): void {
  const registers = [registry]
  const scrapeErrors = new Counter({
    name: `${prefix}scrape_errors_total`, help: 'Parts of the database snapshot that failed at a scrape.',
    labelNames: ['part'] as const, registers,
  })
  let pending: Promise<Snapshot> | undefined
  // A scrape starts every gauge's collect() in the same tick: they share one snapshot, forgotten once
  // it has been handed out, so the next scrape reads the database again.
  const snapshot = (): Promise<Snapshot> => {
    if (!pending) {
      const taken = take(qdb, windowSeconds, (part) => scrapeErrors.inc({ part }))
      pending = taken
      void taken.finally(() => setImmediate(() => { if (pending === taken) pending = undefined })).catch(() => {})
    }
    return pending
  }
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: Snapshot) => void) =>
    new Gauge<L>({
      name: `${prefix}${name}`, help: `${help}`, labelNames, registers,
      async collect() {
        const s = await snapshot()
        this.reset()
        fill(this, s)
      },
    })
  const w = `over the last ${windowSeconds} s of api_logs`
  gauge('api_calls', `API calls per endpoint ${w}.`, ['endpoint'], (g, s) => { for (const a of s.api) g.set({ endpoint: a.endpoint }, a.calls) })
  gauge('api_call_rate', `API calls per second per endpoint ${w}.`, ['endpoint'], (g, s) => { for (const a of s.api) g.set({ endpoint: a.endpoint }, a.calls / windowSeconds) })
  gauge('api_failures', `Failed API calls (success = false) per endpoint ${w}.`, ['endpoint'], (g, s) => { for (const a of s.api) g.set({ endpoint: a.endpoint }, a.failures) })
  gauge('api_failure_ratio', `Failed / all API calls per endpoint ${w}.`, ['endpoint'], (g, s) => { for (const a of s.api) g.set({ endpoint: a.endpoint }, a.failures / a.calls) })
  gauge('api_latency_seconds', `API response time quantiles per endpoint ${w}.`, ['endpoint', 'quantile'], (g, s) => {
    for (const a of s.api) {
      for (const [q, v] of [['0.5', a.p50], ['0.95', a.p95], ['0.99', a.p99]] as const) if (v !== null) g.set({ endpoint: a.endpoint, quantile: q }, v / 1000)
    }
  })
  gauge('system_logs', `System log entries by level over the last ${windowSeconds} s.`, ['level'], (g, s) => {
    for (const level of new Set([...LEVELS, ...s.levels.keys()])) g.set({ level }, s.levels.get(level) ?? 0)
  })
  gauge('timescale_job_failures', 'Failed runs of each TimescaleDB job since the server started counting (job_stats.total_failures).', ['job_id', 'proc', 'target'], (g, s) => {
    for (const j of s.jobs) g.set({ job_id: String(j.job_id), proc: j.proc_name, target: j.target ?? '' }, j.total_failures)
  })
  gauge('timescale_job_last_run_failed', '1 when the last run of a TimescaleDB job failed.', ['job_id', 'proc', 'target'], (g, s) => {
    for (const j of s.jobs) g.set({ job_id: String(j.job_id), proc: j.proc_name, target: j.target ?? '' }, j.last_failed ? 1 : 0)
  })
  gauge('compression_ratio', 'Bytes before / after compression of the compressed chunks, per hypertable.', ['hypertable'], (g, s) => {
    for (const c of s.compression) if (c.ratio !== null) g.set({ hypertable: c.hypertable }, c.ratio)
  })
  gauge('chunks', 'Chunks per hypertable, compressed or not.', ['hypertable', 'state'], (g, s) => {
    for (const c of s.compression) {
      g.set({ hypertable: c.hypertable, state: 'compressed' }, c.compressedChunks)
      g.set({ hypertable: c.hypertable, state: 'uncompressed' }, c.totalChunks - c.compressedChunks)
    }
  })
  gauge('replica_lag_seconds', 'Replay lag of each configured replica at the last check (0 when caught up).', ['replica'], (g, s) => {
    for (const r of s.replicas) if (r.lagSeconds !== null && Number.isFinite(r.lagSeconds)) g.set({ replica: r.server }, r.lagSeconds)
  })
  gauge('replica_in_use', '1 when a configured replica serves reads, 0 when it is left out.', ['replica'], (g, s) => {
    for (const r of s.replicas) g.set({ replica: r.server }, r.inUse ? 1 : 0)
  })
  gauge('connections', 'Server connections to this database by state (pg_stat_activity; all clients, poolers included).', ['state'], (g, s) => {
    for (const [state, n] of s.connections) g.set({ state }, n)
  })
}

async function take(qdb: QuantDb, windowSeconds: number, failed: (part: string) => void): Promise<Snapshot> {
  const part = async <T>(name: string, fallback: T, read: () => Promise<T>): Promise<T> => {
    try {
      return await read()
    } catch {
      failed(name)
      return fallback
    }
  }
  const timescale = qdb.capabilities.timescale
  const [api, levels, jobs, compression, replicas, connections] = await Promise.all([
    part('api_logs', [], async () => (await qdb.query<Snapshot['api'][number]>(API_SQL, [windowSeconds])).map((r) => ({
      endpoint: r.endpoint, calls: Number(r.calls), failures: Number(r.failures),
      p50: r.p50 === null ? null : Number(r.p50), p95: r.p95 === null ? null : Number(r.p95), p99: r.p99 === null ? null : Number(r.p99),
    }))),
    part('system_logs', new Map<string, number>(), async () => new Map((await qdb.query<{ level: string; n: number }>(
      `SELECT log_level AS level, count(*)::int AS n FROM system_logs WHERE "timestamp" > now() - make_interval(secs => $1) GROUP BY 1`,
      [windowSeconds])).map((r) => [r.level, Number(r.n)]))),
    timescale ? part('jobs', [], () => qdb.query<Snapshot['jobs'][number]>(JOBS_SQL)) : [],
    timescale ? part('compression', [], () => qdb.ops.compressionStats()) : [],
    part('replication', [], async () => (await qdb.ops.replication()).replicas),
    qdb.capabilities.mode === 'embedded' ? new Map<string, number>() : part('connections', new Map<string, number>(), async () => new Map((await qdb.query<{ state: string; n: number }>(
      `SELECT coalesce(state, 'unknown') AS state, count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1`))
      .map((r) => [r.state, Number(r.n)]))),
  ])
  return { api, levels, jobs, compression, replicas, connections }
}
