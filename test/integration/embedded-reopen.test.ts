import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'

// Every open of an embedded database has the same TimescaleDB (issue 8, item 1): a reopened data
// directory used to read its compressed chunks as empty (count 0) and refuse every write, while
// capabilities still said timescale: true. Embedded only: a server is never "reopened".

const exec = promisify(execFile)
/** The CLI as a user runs it, on a data directory. */
const cli = (...args: string[]) =>
  exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--json'], { env: { ...process.env, DATABASE_URL: '' } })

const root = mkdtempSync(join(tmpdir(), 'quantdb-reopen-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// 286 daily bars of one ticker over 2021-2022, as in the report.
const market = syntheticMarket({ seed: 8, tickers: 1, regions: ['KR'], start: '2021-01-04', days: 286 })
const ticker = market.tickers[0]!

interface Fingerprint { n: number; sum: string }

/** Row count and md5 of every ohlcv_data row in key order: any lost, hidden or changed value shows. */
async function fingerprint(qdb: QuantDb): Promise<Fingerprint> {
  const [row] = await qdb.query<Fingerprint>(
    `SELECT count(*)::int AS n, md5(string_agg(concat_ws('|', ticker, region, date, timeframe, open, high, low, close,
       volume, adjusted_close), E'\\n' ORDER BY ticker, region, date, timeframe)) AS sum FROM ohlcv_data`,
  )
  return row!
}

async function compressedChunks(qdb: QuantDb): Promise<number> {
  const [row] = await qdb.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv_data' AND is_compressed`,
  )
  return row!.n
}

/** A database built as in the report: migrated, 286 bars written, compressed, closed. */
async function buildDataDir(dir: string): Promise<Fingerprint> {
  const qdb = await createQuantDb({ dataDir: dir, logger: {} })
  try {
    await qdb.migrate()
    await qdb.tickers.upsert([{ ticker: ticker.ticker, region: ticker.region }])
    await qdb.ohlcv.upsert(market.bars)
    const written = await fingerprint(qdb)
    expect(written.n).toBe(286)
    expect(await qdb.ops.compress('ohlcv_data', { olderThan: '30 days' })).toBeGreaterThan(10)
    expect(await fingerprint(qdb)).toEqual(written)
    return written
  } finally {
    await qdb.close()
  }
}

/**
 * What a reopened database must do like a new one: show every row (compressed ones included), take
 * writes (into a compressed chunk too), refresh the aggregates, run the jobs and the maintenance.
 */
async function expectFullTimescale(qdb: QuantDb, before: Fingerprint, newDate: string): Promise<void> {
  const bump = Number(newDate.slice(-2)) // a different new close on every call of one database's history
  expect(qdb.capabilities).toMatchObject({ timescale: true, mode: 'embedded' })
  expect(await qdb.query(`SELECT _timescaledb_functions.tsl_loaded() AS tsl`)).toEqual([{ tsl: true }])
  expect(await compressedChunks(qdb)).toBeGreaterThan(10)
  expect(await fingerprint(qdb)).toEqual(before)

  const first = market.bars[0]! // lies in a compressed chunk
  const result = await qdb.ohlcv.upsert([
    { ...first, close: first.close + bump, high: Math.max(first.high, first.close + bump) },
    { ...first, date: newDate },
  ])
  expect(result).toMatchObject({ inserted: 1, updated: 1 })
  expect((await fingerprint(qdb)).n).toBe(before.n + 1)
  expect(await qdb.query(`SELECT close::float8 AS close FROM ohlcv_data WHERE ticker = $1 AND date = $2`, [first.ticker, first.date]))
    .toEqual([{ close: first.close + bump }])

  await qdb.ops.refreshAggregates()
  // The aggregate saw every bar: one row per day, the volumes adding up to the table's.
  expect(await qdb.query(`SELECT (SELECT count(*)::int FROM ohlcv_daily_summary) AS days,
      (SELECT sum(total_volume)::text FROM ohlcv_daily_summary) = (SELECT sum(volume)::text FROM ohlcv_data) AS same_volume`))
    .toEqual([{ days: before.n + 1, same_volume: true }])
  expect((await qdb.ops.runJobs()).length).toBeGreaterThan(0)
  expect(await qdb.ops.maintenance()).toMatchObject({ mode: 'timescale' })
}

describe('embedded database reopened from its data directory', () => {
  const dir = join(root, 'reopen')
  let written: Fingerprint
  beforeAll(async () => {
    written = await buildDataDir(dir)
  })

  it('shows every compressed row, takes writes, refreshes aggregates and runs jobs, on every reopen', async () => {
    let expected = written
    for (const [i, newDate] of ['2023-06-01', '2023-06-02'].entries()) {
      const qdb = await createQuantDb({ dataDir: dir, logger: {} })
      try {
        expect((await qdb.migrate()).applied).toEqual([])
        await expectFullTimescale(qdb, expected, newDate)
        expected = await fingerprint(qdb)
      } finally {
        await qdb.close()
      }
      expect(expected.n).toBe(written.n + i + 1)
    }
  })

  it('is the same after a backup restored with restoreFrom, in memory and into a new dataDir', async () => {
    const file = join(root, 'reopen.tgz')
    const source = await createQuantDb({ dataDir: dir, logger: {} })
    let expected: Fingerprint
    try {
      expected = await fingerprint(source)
      await source.backup(file)
    } finally {
      await source.close()
    }
    for (const target of [{}, { dataDir: join(root, 'restored') }]) {
      const restored = await createQuantDb({ ...target, restoreFrom: file, logger: {} })
      try {
        await expectFullTimescale(restored, expected, '2023-07-03')
      } finally {
        await restored.close()
      }
    }
    // the restored directory reopens like any other
    const reopened = await createQuantDb({ dataDir: join(root, 'restored'), logger: {} })
    try {
      expect((await fingerprint(reopened)).n).toBe(expected.n + 1)
      expect(reopened.capabilities.timescale).toBe(true)
    } finally {
      await reopened.close()
    }
    // never over an existing database
    await expect(createQuantDb({ dataDir: join(root, 'restored'), restoreFrom: file, logger: {} }))
      .rejects.toMatchObject({ reason: 'configuration', message: expect.stringContaining('already holds a database') })
  })
})

describe('quant-db CLI on a data directory (each command reopens it)', () => {
  it('compresses, reports, refreshes, runs jobs and maintenance, backs up and restores with full TimescaleDB', async () => {
    const dir = join(root, 'cli')
    const written = await buildDataDir(dir)
    const json = async (...args: string[]) => JSON.parse((await cli(...args, '--data-dir', dir)).stdout) as Record<string, unknown>

    const status = await json('status')
    expect(status['capabilities']).toMatchObject({ timescale: true, mode: 'embedded' })
    const stats = (await json('compression-stats')) as unknown as { hypertable: string; compressedChunks: number }[]
    expect(stats.find((s) => s.hypertable === 'ohlcv_data')?.compressedChunks).toBeGreaterThan(10)
    expect(await json('refresh')).toEqual({ refreshed: 'all' })
    expect(((await json('run-jobs')) as unknown as unknown[]).length).toBeGreaterThan(0)
    expect(await json('maintenance')).toMatchObject({ mode: 'timescale' })
    const file = join(root, 'cli.tgz')
    expect(await json('backup', file)).toMatchObject({ format: 'pglite-datadir-tgz' })

    const qdb = await createQuantDb({ dataDir: dir, logger: {} })
    try {
      await expectFullTimescale(qdb, written, '2023-06-05')
    } finally {
      await qdb.close()
    }

    const restoredDir = join(root, 'cli-restored')
    const { stdout } = await cli('restore', file, '--data-dir', restoredDir)
    expect(JSON.parse(stdout)).toEqual({ restored: file, dataDir: restoredDir })
    const restored = await createQuantDb({ dataDir: restoredDir, logger: {} })
    try {
      await expectFullTimescale(restored, written, '2023-06-06')
    } finally {
      await restored.close()
    }
  }, 400_000) // seven CLI processes, each booting the engine: minutes on a loaded machine
})
