import { expect, it } from 'vitest'
import type { OhlcvBarInput } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

// recomputeIndicators({ region }) without `tickers` works on every ticker with a bar of that region and
// timeframe (on or after `from`), found from the bars themselves (ohlcv_data has no foreign key to
// `tickers`) without reading every bar: on TimescaleDB from the compressed batches' segment columns
// and the rows not compressed, elsewhere by a walk of the primary key. Which tickers a run worked on
// shows in the states it keeps (ohlcv_indicator_state, erased before each run).

/** `n` weekday bars of one ticker from `start` (a gentle zigzag; the prices do not matter here). */
function bars(ticker: string, start: string, n: number, extra: Partial<OhlcvBarInput> = {}): OhlcvBarInput[] {
  const out: OhlcvBarInput[] = []
  for (let t = Date.parse(`${start}T00:00:00Z`); out.length < n; t += 86_400_000) {
    const d = new Date(t)
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue
    const close = 100 + (out.length % 7) - 3
    out.push({ ticker, region: 'KR', date: d.toISOString().slice(0, 10), open: close, high: close + 1, low: close - 1, close, volume: 1_000, ...extra })
  }
  return out
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
const OLD = '2021-03-01' // compressed on TimescaleDB (older than 90 days)
const RECENT = day(-40) // not compressed
const MIDDLE = '2023-06-01' // a `from` between them

forEachTarget('ohlcv recomputeIndicators: the tickers of a region', (target, db) => {
  const workedOn = async (options: { from?: string; timeframe?: string }) => {
    await db().exec('DELETE FROM ohlcv_indicator_state')
    const run = await db().ohlcv.recomputeIndicators({ region: 'KR', ...options })
    const kept = await db().query<{ ticker: string }>(`SELECT DISTINCT ticker FROM ohlcv_indicator_state
      WHERE region = 'KR' AND timeframe = $1 ORDER BY ticker`, [options.timeframe ?? 'daily'])
    expect(run.tickers).toBe(kept.length)
    return kept.map((r) => r.ticker)
  }
  const distinct = async (options: { from?: string; timeframe?: string }) => (await db().query<{ ticker: string }>(
    `SELECT DISTINCT ticker FROM ohlcv_data WHERE region = 'KR' AND timeframe = $1 AND date >= $2::date ORDER BY ticker`,
    [options.timeframe ?? 'daily', options.from ?? '-infinity'])).map((r) => r.ticker)

  it('finds every ticker with bars of the region and timeframe, compressed or not, listed in `tickers` or not', async () => {
    await db().tickers.upsert([{ ticker: 'BOTH', region: 'KR' }, { ticker: 'OLD', region: 'KR' }])
    await db().ohlcv.upsert([
      ...bars('BOTH', OLD, 30), ...bars('BOTH', RECENT, 10), // compressed and uncompressed chunks
      ...bars('OLD', OLD, 30), // compressed chunks only
      ...bars('NEW', RECENT, 10), // uncompressed only; like the next ones, no `tickers` row
      ...bars('WEEKLY', OLD, 10, { timeframe: 'weekly' }), ...bars('WEEKLY', RECENT, 5, { timeframe: 'weekly' }), // another timeframe only
      ...bars('US1', OLD, 10, { region: 'US' }), ...bars('US1', RECENT, 10, { region: 'US' }), // another region
    ])
    if (target.timescale) expect(await db().ops.compress('ohlcv_data', { olderThan: '90 days' })).toBeGreaterThan(0)
    // A bar written into a compressed chunk after its compression: outside its compressed batches.
    await db().ohlcv.upsert(bars('LATE', '2021-03-15', 1))
    const chunks = target.timescale
      ? await db().query<{ compressed: boolean }>(`SELECT is_compressed AS compressed FROM timescaledb_information.chunks
          WHERE hypertable_name = 'ohlcv_data'`)
      : []
    if (target.timescale) expect(new Set(chunks.map((c) => c.compressed))).toEqual(new Set([true, false]))

    const all = ['BOTH', 'LATE', 'NEW', 'OLD']
    expect(await workedOn({})).toEqual(all)
    expect(await distinct({})).toEqual(all)
    // From a day: the tickers whose bars all end before it are left out.
    expect(await workedOn({ from: MIDDLE })).toEqual(['BOTH', 'NEW'])
    expect(await distinct({ from: MIDDLE })).toEqual(['BOTH', 'NEW'])
    expect(await workedOn({ from: '2021-03-15' })).toEqual(all)
    expect(await workedOn({ from: day(30) })).toEqual([])
    // The other timeframe has its own tickers.
    expect(await workedOn({ timeframe: 'weekly' })).toEqual(['WEEKLY'])
    expect(await workedOn({ timeframe: 'weekly', from: MIDDLE })).toEqual(['WEEKLY'])
    expect(await workedOn({ timeframe: 'monthly' })).toEqual([])
  })

  it('finds no ticker of a region without bars, and those of another region there', async () => {
    expect(await db().ohlcv.recomputeIndicators({ region: 'JP' })).toEqual({ tickers: 0, bars: 0, updated: 0 })
    expect(await db().ohlcv.recomputeIndicators({ region: 'US' })).toMatchObject({ tickers: 1, bars: 20 })
  })
})
