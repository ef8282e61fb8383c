import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { openTarget, TARGETS } from '../helpers/targets.js'
import type { TestDb } from '../../src/testing/index.js'

// 30 tickers x 300 weekdays from 2021-01-04: 14 monthly chunks, all older than the policy's 90 days.
const market = syntheticMarket({ seed: 41, tickers: 30, days: 300, regions: ['KR'], start: '2021-01-04' })

const CHUNKS = `SELECT count(*) FILTER (WHERE c.compressed_chunk_id IS NOT NULL)::int AS compressed,
    count(*) FILTER (WHERE c.status & 8 = 8)::int AS partial
  FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
  WHERE h.table_name = 'ohlcv_data' AND NOT c.dropped`
const SIZE = `SELECT hypertable_size('ohlcv_data')::float8 AS bytes`
const CHECKSUM = `SELECT count(*)::int AS n, count(ma200)::int AS ma200, md5(string_agg(concat_ws(',', ticker, date, close, ma20, rsi, atr), '|' ORDER BY ticker, date)) AS sum FROM ohlcv_data`

const embedded = TARGETS.find((t) => t.name === 'embedded')!

// The embedded engine has no autovacuum and no background policies; without a dataDir its files live
// in the process's memory. A full recompute rewrites every bar of compressed history.
describe('a full recomputeIndicators over compressed history [embedded]', () => {
  let db: TestDb
  beforeAll(async () => {
    db = await openTarget(embedded)
    await db.ohlcv.upsert(market.bars)
    expect(await db.ops.compress('ohlcv_data', { olderThan: '1 day' })).toBeGreaterThanOrEqual(14)
  })
  afterAll(() => db.close())

  it('leaves the chunks compressed and takes no more room than the same rows compressed afresh', async () => {
    const before = (await db.query<{ compressed: number; partial: number }>(CHUNKS))[0]!
    const result = await db.ohlcv.recomputeIndicators({ region: 'KR' })
    expect(result.updated).toBeGreaterThan(market.bars.length * 0.9) // all but the first bars (every indicator NULL)
    expect((await db.query(CHUNKS))[0]).toEqual({ compressed: before.compressed, partial: 0 })
    const [after] = await db.query<{ bytes: number }>(SIZE)
    const stored = await db.query(CHECKSUM)

    // The same rows, decompressed and compressed again in one go: the size they need.
    await db.ops.decompress('ohlcv_data', { newerThan: '100 years' })
    await db.exec('VACUUM ohlcv_data')
    await db.ops.compress('ohlcv_data', { olderThan: '1 day' })
    await db.exec('VACUUM ohlcv_data')
    const [fresh] = await db.query<{ bytes: number }>(SIZE)
    expect(await db.query(CHECKSUM)).toEqual(stored)
    expect(stored[0]).toMatchObject({ n: market.bars.length })
    expect((stored[0] as { ma200: number }).ma200).toBeGreaterThan(0)
    // Before the fix: ~4x (every bar decompressed, plus its dead copies).
    expect(after!.bytes).toBeLessThan(fresh!.bytes * 1.5)
    // A second run finds every value right and writes nothing.
    expect((await db.ohlcv.recomputeIndicators({ region: 'KR' })).updated).toBe(0)
  })

  it('keeps the write-ahead log to a few segments once maintenance() has run (no log kept for reuse)', async () => {
    const WAL = `SELECT count(*)::int AS files, coalesce(sum(size), 0)::float8 AS bytes FROM pg_ls_waldir()`
    const [setting] = await db.query<{ wal_recycle: string }>('SHOW wal_recycle')
    expect(setting?.wal_recycle).toBe('off')
    // A rewrite of every bar writes far more log than one segment (1 MB on PGlite) ...
    const [start] = await db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')
    await db.exec('UPDATE ohlcv_data SET ma5 = NULL')
    await db.ohlcv.recomputeIndicators({ region: 'KR' })
    const [written] = await db.query<{ bytes: number }>(`SELECT (pg_current_wal_insert_lsn() - $1::pg_lsn)::float8 AS bytes`, [start!.lsn])
    expect(written!.bytes).toBeGreaterThan(8 * 2 ** 20)
    // ... and after maintenance()'s CHECKPOINT the used segments are gone, not renamed for reuse
    // (PGlite's max_wal_size is 1 GB, which would keep them all: in memory without a dataDir).
    expect((await db.ops.maintenance()).analyzed).toBe(true)
    const [wal] = await db.query<{ files: number; bytes: number }>(WAL)
    expect(wal!.files).toBeLessThanOrEqual(3)
    expect(wal!.bytes).toBeLessThan(written!.bytes / 4)
  })
})
