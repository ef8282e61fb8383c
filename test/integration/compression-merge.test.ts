import { expect, it } from 'vitest'
import { QuantDbError } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { forEachTarget } from '../helpers/targets.js'

// 40 tickers x 280 weekdays from 2021-01-04: a year and a month of 1-month chunks, all old.
const market = syntheticMarket({ seed: 31, tickers: 40, days: 280, regions: ['KR'], start: '2021-01-04' })
const bars = market.bars
const one = bars[0]!

const CHECKSUM = `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY ticker, region, date, timeframe)) AS sum
  FROM ohlcv_data t`
const compressedChunks = `SELECT range_start::date::text AS s, range_end::date::text AS e FROM timescaledb_information.chunks
  WHERE hypertable_name = 'ohlcv_data' AND is_compressed ORDER BY range_start`

forEachTarget('merging compressed chunks', (target, db) => {
  it('merges compressed months into yearly chunks: every row kept, reads identical, upserts still work, an honest ratio', async () => {
    if (!target.timescale) {
      const e = await db().ops.mergeCompressedChunks('ohlcv_data', { interval: '1 year' }).then(() => null, (x: unknown) => x)
      expect(e).toBeInstanceOf(QuantDbError)
      expect((e as QuantDbError).reason).toBe('unsupported')
      return
    }
    await db().ohlcv.upsert(bars)
    await db().ohlcv.recomputeIndicators({ region: 'KR' }) // indicators filled, as in production
    expect(await db().ops.compress('ohlcv_data', { olderThan: '1 day' })).toBeGreaterThanOrEqual(13)
    const before = await db().query(CHECKSUM)
    const reads = () => Promise.all([
      db().ohlcv.range({ ticker: one.ticker, region: 'KR', from: '2021-01-01', to: '2022-12-31' }),
      db().ohlcv.recent({ ticker: one.ticker, region: 'KR', limit: 250 }),
      db().ohlcv.panel({ tickers: market.tickers.map((t) => t.ticker), region: 'KR', from: '2021-03-01', to: '2021-10-31', fields: ['close', 'volume'] }),
    ])
    const readsBefore = await reads()

    const monthly = await db().query<{ s: string; e: string }>(compressedChunks)
    const report = await db().ops.mergeCompressedChunks('ohlcv_data', { interval: '1 year' })
    expect(report.chunksBefore).toBe(monthly.length)
    // Every month starting in 2021 becomes one chunk (a lone chunk in a year is left as it is).
    const chunks = await db().query<{ s: string; e: string }>(compressedChunks)
    const of2021 = chunks.filter((c) => c.s.startsWith('2021'))
    expect(of2021).toHaveLength(1)
    expect(of2021[0]).toEqual({ s: monthly.find((m) => m.s.startsWith('2021'))!.s, e: monthly.filter((m) => m.s.startsWith('2021')).at(-1)!.e })
    expect(report.chunksAfter).toBe(chunks.length)
    expect(report.merged).toBeGreaterThanOrEqual(1)
    expect(chunks.length).toBeLessThan(monthly.length - 10)
    expect(await db().query(CHECKSUM)).toEqual(before)
    expect(await reads()).toEqual(readsBefore)
    // A second run finds nothing left to merge.
    expect(await db().ops.mergeCompressedChunks('ohlcv_data')).toEqual({ merged: 0, chunksBefore: chunks.length, chunksAfter: chunks.length })

    // compressionStats' ratio against the same rows loaded once into a table with the same indexes.
    const stats = (await db().ops.compressionStats()).find((s) => s.hypertable === 'ohlcv_data')!
    await db().exec(`CREATE TABLE fresh_copy AS SELECT * FROM ohlcv_data`)
    const defs = await db().query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'ohlcv_data'`)
    for (const [i, { def }] of defs.entries()) await db().exec(def.replace(/INDEX \S+ ON public\.ohlcv_data/, `INDEX fresh_copy_${i} ON fresh_copy`))
    const [fresh] = await db().query<{ bytes: number; n: number }>(
      `SELECT pg_total_relation_size('fresh_copy')::float8 AS bytes, count(*)::int AS n FROM fresh_copy`)
    await db().exec('DROP TABLE fresh_copy')
    expect(stats.compressedRows).toBe(fresh!.n)
    const trueRatio = fresh!.bytes / stats.afterBytes
    expect(stats.ratio).toBeGreaterThan(trueRatio * 0.8)
    expect(stats.ratio).toBeLessThan(trueRatio * 1.25)
    expect(stats.reportedRatio).toBeGreaterThan(0)

    // Upsert into the merged, compressed year: a corrected bar and a new one.
    const mid = bars.find((b) => b.ticker === one.ticker && b.date === '2021-06-15')!
    const result = await db().ohlcv.upsert([
      { ...mid, close: mid.close + 1, high: Math.max(mid.high, mid.close + 1) },
      { ...mid, ticker: 'NEW1', date: '2021-06-15' },
    ])
    expect(result).toMatchObject({ inserted: 1, updated: 1 })
    const [stored] = await db().ohlcv.range({ ticker: one.ticker, region: 'KR', from: '2021-06-15', to: '2021-06-15' })
    expect(stored?.close).toBe(mid.close + 1)
    expect(await db().ohlcv.range({ ticker: 'NEW1', region: 'KR', from: '2021-01-01', to: '2021-12-31' })).toHaveLength(1)

  })
})
