import { ATR, AverageGain, AverageLoss, BollingerBands, MACD, SMA } from 'technicalindicators'
import { expect, it } from 'vitest'
import { computeIndicators } from '../../src/indicators/index.js'
import { INDICATOR_FIELDS, type Bar } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { forEachTarget } from '../helpers/targets.js'

// 4 tickers (2 KR, 2 US) x 320 weekdays from 2021 with 2% gaps: old enough to be compressed.
const market = syntheticMarket({ seed: 5, tickers: 4, days: 320, gapProbability: 0.02, start: '2021-01-04' })

/** What the columns must hold: computeIndicators of the stored bars, rounded to 4 decimals, NULL for NaN. */
function expectedIndicators(bars: readonly Bar[]) {
  const set = computeIndicators({ high: bars.map((b) => b.high!), low: bars.map((b) => b.low!), close: bars.map((b) => b.close!) })
  return bars.map((_, i) => Object.fromEntries(INDICATOR_FIELDS.map((f) => {
    const v = set[f][i]!
    return [f, Number.isNaN(v) ? null : Number(v.toFixed(4)) + 0] // + 0: no -0
  })))
}
const storedIndicators = (bars: readonly Bar[]) => bars.map((b) => Object.fromEntries(INDICATOR_FIELDS.map((f) => [f, b[f]])))

/**
 * The twelve columns as the independent `technicalindicators` package computes them from the stored
 * bars, aligned to the bars (its outputs are shorter, aligned to the end): `undefined` during warm-up.
 * Its RSI rounds to 2 decimals, so RSI is built from its unrounded Wilder averages (as in the unit test).
 */
function referenceIndicators(bars: readonly Bar[]): Record<(typeof INDICATOR_FIELDS)[number], (number | undefined)[]> {
  const high = bars.map((b) => b.high!)
  const low = bars.map((b) => b.low!)
  const close = bars.map((b) => b.close!)
  const align = (values: readonly (number | undefined)[]) => [...new Array<undefined>(bars.length - values.length), ...values]
  const gains = AverageGain.calculate({ period: 14, values: close })
  const losses = AverageLoss.calculate({ period: 14, values: close })
  const macd = MACD.calculate({ values: close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false })
  const bands = BollingerBands.calculate({ period: 20, stdDev: 2, values: close })
  return {
    ma5: align(SMA.calculate({ period: 5, values: close })),
    ma20: align(SMA.calculate({ period: 20, values: close })),
    ma60: align(SMA.calculate({ period: 60, values: close })),
    ma120: align(SMA.calculate({ period: 120, values: close })),
    ma200: align(SMA.calculate({ period: 200, values: close })),
    rsi: align(gains.map((g, i) => (losses[i] === 0 ? 100 : 100 - 100 / (1 + g / losses[i]!)))),
    macd: align(macd.map((m) => m.MACD)),
    macdSignal: align(macd.map((m) => m.signal)),
    bbUpper: align(bands.map((b) => b.upper)),
    bbMiddle: align(bands.map((b) => b.middle)),
    bbLower: align(bands.map((b) => b.lower)),
    atr: align(ATR.calculate({ period: 14, high, low, close })),
  }
}

forEachTarget('ohlcv indicators', (target, db) => {
  const history = (ticker: string, region: string) => db().ohlcv.range({ ticker, region, from: '2000-01-01', to: '2099-12-31' })

  it('stores computeIndicators of the stored bars, NULL during warm-up, compressed chunks included', async () => {
    await db().ohlcv.upsert(market.bars)
    if (target.timescale) expect(await db().ops.compress('ohlcv_data', { olderThan: '90 days' })).toBeGreaterThan(0)
    const kr = await db().ohlcv.recomputeIndicators({ region: 'KR' })
    const us = await db().ohlcv.recomputeIndicators({ region: 'US' })
    expect(kr.tickers + us.tickers).toBe(4)
    expect(kr.bars + us.bars).toBe(market.bars.length)
    // The first 4 bars of each ticker have no indicator at all (ma5 starts on bar 5): already NULL, not rewritten.
    expect(kr.updated + us.updated).toBe(market.bars.length - 4 * 4)

    for (const t of market.tickers) {
      const bars = await history(t.ticker, t.region)
      expect(bars.length).toBeGreaterThan(300)
      expect(storedIndicators(bars)).toEqual(expectedIndicators(bars))
      // Warm-up, stated independently of the implementation: SMA n has its first value on bar n,
      // RSI 14 and ATR 14 on bar 15, MACD on bar 26, its signal on bar 34, Bollinger on bar 20.
      const firstValue = (f: (typeof INDICATOR_FIELDS)[number]) => bars.findIndex((b) => b[f] !== null)
      expect(INDICATOR_FIELDS.map(firstValue)).toEqual([4, 19, 59, 119, 199, 14, 25, 33, 19, 19, 19, 14])
      expect(bars.slice(firstValue('ma200')).every((b) => b.ma200 !== null)).toBe(true)
      expect(bars.at(-1)!.rsi).toBeGreaterThanOrEqual(0)
      expect(bars.at(-1)!.rsi).toBeLessThanOrEqual(100)
    }
    // Nothing changed since: nothing is rewritten.
    expect(await db().ohlcv.recomputeIndicators({ region: 'KR' })).toMatchObject({ updated: 0 })
  })

  it('from + warm-up: only new bars are written, with the values of a whole-history computation', async () => {
    const t = market.tickers.find((x) => x.region === 'US')!
    const before = await history(t.ticker, t.region)
    const last = before.at(-1)!
    // 10 more weekdays after the market's last day, moving up 1% a day.
    const next: Bar[] = []
    let day = new Date(`${last.date}T00:00:00Z`)
    let close = last.close!
    while (next.length < 10) {
      day = new Date(day.getTime() + 86_400_000)
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue
      close = Math.round(close * 101) / 100
      next.push({ ...last, date: day.toISOString().slice(0, 10), open: close, high: close * 1.01, low: close * 0.99, close })
    }
    await db().ohlcv.upsert(next.map((b) => ({
      ticker: b.ticker, region: b.region, date: b.date, open: b.open!, high: Math.round(b.high! * 100) / 100,
      low: Math.round(b.low! * 100) / 100, close: b.close!, volume: 1_000,
    })))
    const result = await db().ohlcv.recomputeIndicators({ region: 'US', tickers: [t.ticker], from: next[0]!.date, warmup: 250 })
    expect(result).toEqual({ tickers: 1, bars: 10, updated: 10 })
    const after = await history(t.ticker, t.region)
    expect(after).toHaveLength(before.length + 10)
    expect(storedIndicators(after)).toEqual(expectedIndicators(after))
    // Bars before `from` were not touched.
    expect(after.slice(0, before.length).map((b) => b.lastUpdated)).toEqual(before.map((b) => b.lastUpdated))
  })

  it('recomputes only the tickers asked for, after a price correction', async () => {
    const [a, b] = market.tickers.filter((x) => x.region === 'KR')
    const barsA = await history(a!.ticker, 'KR')
    const barsB = await history(b!.ticker, 'KR')
    const fix = barsA[250]!
    await db().ohlcv.upsert([{ ticker: fix.ticker, region: 'KR', date: fix.date, open: fix.open!, high: fix.high! * 2, low: fix.low!, close: fix.close! * 2, volume: fix.volume! }])
    await db().ohlcv.recomputeIndicators({ region: 'KR', tickers: [a!.ticker], from: fix.date })
    const fixed = await history(a!.ticker, 'KR')
    expect(storedIndicators(fixed)).toEqual(expectedIndicators(fixed))
    expect(fixed[250]!.ma5).not.toBe(barsA[250]!.ma5)
    expect(await history(b!.ticker, 'KR')).toEqual(barsB)
  })
  it('what is written back matches an independent implementation (technicalindicators) on every ticker', async () => {
    // Runs after the incremental recomputations above: the stored columns must still be those of the
    // whole history. Stored values are rounded to 4 decimals, hence 0.00005 (plus 1e-6 relative for
    // the reference's own floating-point error); NULL exactly where the reference has no value yet.
    let compared = 0
    for (const t of market.tickers) {
      const bars = await history(t.ticker, t.region)
      const reference = referenceIndicators(bars)
      const problems: string[] = []
      for (const field of INDICATOR_FIELDS) {
        bars.forEach((b, i) => {
          const want = reference[field][i]
          const got = b[field]
          if (want === undefined) {
            if (got !== null) problems.push(`${t.ticker} ${b.date} ${field}: expected NULL, got ${got}`)
          } else if (got === null || !(Math.abs(got - want) <= 0.00005 + 1e-6 * Math.abs(want))) {
            problems.push(`${t.ticker} ${b.date} ${field}: expected ${want}, got ${got}`)
          } else compared++
        })
      }
      expect(problems.slice(0, 5)).toEqual([])
    }
    // Every bar past the warm-up of every column was compared: 4 tickers x ~320 bars x 12 columns, less warm-ups.
    expect(compared).toBeGreaterThan(4 * 300 * 12 - 4 * (4 + 19 + 59 + 119 + 199 + 14 + 25 + 33 + 19 * 3 + 14))
  })
  it('writes the indicators of tickers with quotes and backslashes (the UPDATE names them as a literal)', async () => {
    // Two awkward tickers, 6 weekdays of 2021 (compressed on TimescaleDB): closes 10..15 and 20..25.
    const tickers = ["Q'I\\1", 'Q\\I"2']
    const days = ['2021-03-01', '2021-03-02', '2021-03-03', '2021-03-04', '2021-03-05', '2021-03-08']
    await db().ohlcv.upsert(tickers.flatMap((ticker, t) => days.map((date, d) => {
      const close = 10 * (t + 1) + d
      return { ticker, region: 'KR', date, open: close, high: close + 1, low: close - 1, close, volume: 1_000 }
    })))
    if (target.timescale) await db().ops.compress('ohlcv_data', { olderThan: '90 days' })
    const r = await db().ohlcv.recomputeIndicators({ region: 'KR', tickers })
    expect(r.updated).toBeGreaterThan(0)
    // ma5, by hand: (10+11+12+13+14)/5 = 12 and (11+...+15)/5 = 13; (20+...+24)/5 = 22 and 23.
    for (const [t, ticker] of tickers.entries()) {
      const bars = await history(ticker, 'KR')
      expect(bars.map((b) => b.ma5)).toEqual([null, null, null, null, 12 + 10 * t, 13 + 10 * t])
    }
  })
})
