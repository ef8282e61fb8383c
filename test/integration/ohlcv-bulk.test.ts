import { expect, it } from 'vitest'
import { syntheticMarket, type SyntheticBar } from '../../src/synthetic/index.js'
import { forEachTarget } from '../helpers/targets.js'

// 200 tickers x 1,020 weekdays with 1% gaps: about 202,000 bars, realistic prices (whole KRW, cents in USD).
const market = syntheticMarket({ seed: 11, tickers: 200, days: 1_020, gapProbability: 0.01, start: '2018-01-02' })
const bars = market.bars
const scaled = (v: number) => BigInt(Math.round(v * 10_000))

forEachTarget('ohlcv bulk ingest', (_target, db) => {
  it('ingests over 200,000 bars in one call: counts, sums and spot values are right', async () => {
    expect(bars.length).toBeGreaterThan(200_000)
    const progress: number[] = []
    const result = await db().ohlcv.upsert(bars, { onProgress: (p) => progress.push(p.written) })
    expect(result).toMatchObject({ inserted: bars.length, updated: 0, unchanged: 0, rejected: 0 })
    expect(progress.at(-1)).toBe(bars.length)
    expect(progress.length).toBeGreaterThan(1)

    // Independent checks: exact sums in SQL against exact sums of the input (scaled integers, BigInt).
    const [sums] = await db().query<{ n: number; volume: string; close: string; adjusted: string; tickers: number }>(
      `SELECT count(*)::int AS n, sum(volume)::text AS volume, sum(close * 10000)::bigint::text AS close,
              sum(adjusted_close * 10000)::bigint::text AS adjusted, count(DISTINCT (ticker, region))::int AS tickers
       FROM ohlcv_data`)
    expect(sums!.n).toBe(bars.length)
    expect(sums!.tickers).toBe(200)
    expect(BigInt(sums!.volume)).toBe(bars.reduce((s, b) => s + BigInt(b.volume), 0n))
    expect(BigInt(sums!.close)).toBe(bars.reduce((s, b) => s + scaled(b.close), 0n))
    expect(BigInt(sums!.adjusted)).toBe(bars.reduce((s, b) => s + scaled(b.adjustedClose), 0n))

    // Spot values: first, last and a few bars in between, every field.
    for (const i of [0, 1, 99_999, 150_001, bars.length - 1]) {
      const b = bars[i]!
      const [stored] = await db().ohlcv.range({ ticker: b.ticker, region: b.region, from: b.date, to: b.date })
      expect(stored).toMatchObject({
        ticker: b.ticker, region: b.region, date: b.date, timeframe: 'daily', open: b.open, high: b.high, low: b.low,
        close: b.close, volume: b.volume, adjustedClose: b.adjustedClose,
      })
    }
  })

  it('re-ingests a mix of unchanged, changed and new bars', async () => {
    const slice = bars.slice(0, 20_000)
    const changed = slice.map((b, i) => (i % 4 === 0 ? { ...b, adjustedClose: b.adjustedClose + 1 } : b))
    const extra: SyntheticBar[] = [{ ...bars[0]!, date: '2030-01-02' }, { ...bars[0]!, date: '2030-01-03' }]
    const result = await db().ohlcv.upsert([...changed, ...extra])
    expect(result).toMatchObject({ inserted: 2, updated: 5_000, unchanged: 15_000, rejected: 0 })
    const [row] = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv_data')
    expect(row!.n).toBe(bars.length + 2)
  })

  it('reads a whole-universe panel aligned with the input', async () => {
    const kr = market.tickers.filter((t) => t.region === 'KR').map((t) => t.ticker)
    const from = market.calendar[0]!
    const to = market.calendar.at(-1)!
    const p = await db().ohlcv.panel({ tickers: kr, region: 'KR', from, to, fields: ['close', 'volume'] })
    expect(p.tickers).toEqual(kr)
    expect(p.dates).toEqual(market.calendar) // 1% gaps per ticker never empty a whole day across 100 tickers
    const krBars = bars.filter((b) => b.region === 'KR')
    const missing = p.matrix.close.reduce((n, v) => n + (Number.isNaN(v) ? 1 : 0), 0)
    expect(missing).toBe(kr.length * market.calendar.length - krBars.length)
    const dayIndex = new Map(market.calendar.map((d, i) => [d, i]))
    const tickerIndex = new Map(kr.map((t, i) => [t, i]))
    for (const b of krBars) {
      const t = tickerIndex.get(b.ticker)!
      const d = dayIndex.get(b.date)!
      if (p.fields.close[t]![d] !== b.close || p.fields.volume[t]![d] !== b.volume) {
        expect({ ticker: b.ticker, date: b.date, close: p.fields.close[t]![d], volume: p.fields.volume[t]![d] })
          .toEqual({ ticker: b.ticker, date: b.date, close: b.close, volume: b.volume })
      }
    }
  })
})
