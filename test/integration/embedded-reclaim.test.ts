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

// Without a dataDir the log's segments are buffers of the process, and the memory they took stays
// with it once freed (glibc keeps it): PGlite runs no checkpointer and its max_wal_size is 1 GB.
describe('the write-ahead log of an in-memory database [embedded]', () => {
  let db: TestDb
  const WAL = `SELECT count(*)::int AS files FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'`
  const LSN = 'SELECT pg_current_wal_insert_lsn()::text AS lsn'
  const since = async (lsn: string) =>
    (await db.query<{ bytes: number }>(`SELECT (pg_current_wal_insert_lsn() - $1::pg_lsn)::float8 AS bytes`, [lsn]))[0]!.bytes
  beforeAll(async () => {
    db = await openTarget(embedded)
    await db.exec('CREATE TABLE wal_filler (id int8 PRIMARY KEY, note text)')
  })
  afterAll(() => db.close())

  it('holds a few segments after a statement that wrote 60 MB of it, without maintenance()', async () => {
    const [start] = await db.query<{ lsn: string }>(LSN)
    await db.exec(`INSERT INTO wal_filler SELECT g, repeat('x', 100) FROM generate_series(1, 300000) g`)
    expect(await since(start!.lsn)).toBeGreaterThan(40 * 2 ** 20) // 1 MB segments: 40+ written
    // Before: every segment written since the last CHECKPOINT (60 here, 400+ loading 500,000 bars).
    expect((await db.query<{ files: number }>(WAL))[0]!.files).toBeLessThanOrEqual(20)
  })

  it('also inside a transaction, whose rows stay as they were written', async () => {
    const [start] = await db.query<{ lsn: string }>(LSN)
    const files = await db.transaction(async (tx) => {
      await tx.query(`UPDATE wal_filler SET note = repeat('y', 120)`)
      return tx.query<{ files: number }>(WAL)
    })
    expect(await since(start!.lsn)).toBeGreaterThan(40 * 2 ** 20)
    expect(files[0]!.files).toBeLessThanOrEqual(20)
    expect(await db.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE note = repeat('y', 120))::int AS y FROM wal_filler`))
      .toEqual([{ n: 300000, y: 300000 }])
  })
})
