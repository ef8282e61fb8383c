import { ValidationError } from '../../src/errors.js'
import { describe, expect, it } from 'vitest'
import { ATR, AverageGain, AverageLoss, BollingerBands, EMA, MACD, RSI, SMA } from 'technicalindicators'
import { atr, bollinger, computeIndicators, ema, macd, rma, rsi, sma, trueRange } from '../../src/indicators/index.js'
import { CLOSES_KEPT, recursionsOf, resumeIndicators, stateOf } from '../../src/indicators/resume.js'

// ---------------------------------------------------------------------------------------------
// Test data: seeded series, generated here so that the reference comparison does not depend on
// any code under test.

/** mulberry32: a tiny seeded PRNG, enough to make reproducible test series. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Ohlc { high: number[]; low: number[]; close: number[] }

/** A geometric random walk with bars around each close; `trend` is a daily log drift. */
function randomWalk(seed: number, n: number, start = 100, trend = 0, volatility = 0.02): Ohlc {
  const random = prng(seed)
  const high: number[] = []
  const low: number[] = []
  const close: number[] = []
  let price = start
  for (let i = 0; i < n; i++) {
    const open = price
    price *= Math.exp(trend + volatility * (random() - 0.5) * 3.4)
    high.push(Math.max(open, price) * (1 + random() * volatility))
    low.push(Math.min(open, price) * (1 - random() * volatility))
    close.push(price)
  }
  return { high, low, close }
}

const SERIES: [string, Ohlc][] = [
  ['random walk (5,000 bars)', randomWalk(7, 5000)],
  ['another random walk, KRW-sized prices (5,000 bars)', randomWalk(2024, 5000, 70_000, 0, 0.03)],
  ['trending series (5,000 bars)', randomWalk(99, 5000, 20, 0.002, 0.01)],
]

// ---------------------------------------------------------------------------------------------
// Comparison helpers

const REL = 1e-6
const ABS = 1e-9

/**
 * Checks `actual` (full length) against a reference that is shorter and aligned to the END of the
 * input, as technicalindicators returns it: every index before the reference starts must be NaN.
 * `undefined` in the reference means "not defined yet" and must be NaN too.
 */
function expectAlignedClose(actual: Float64Array, reference: readonly (number | undefined)[], rel = REL, abs = ABS): void {
  const offset = actual.length - reference.length
  expect(offset).toBeGreaterThanOrEqual(0)
  const problems: string[] = []
  for (let i = 0; i < actual.length; i++) {
    const got = actual[i] as number
    const want = i < offset ? undefined : reference[i - offset]
    if (want === undefined) {
      if (!Number.isNaN(got)) problems.push(`[${i}] expected NaN, got ${got}`)
    } else if (!(Math.abs(got - want) <= abs + rel * Math.abs(want))) {
      problems.push(`[${i}] expected ${want}, got ${got}`)
    }
    if (problems.length >= 5) break
  }
  expect(problems).toEqual([])
}

/** Exact comparison with NaN equal to NaN, for hand-worked examples. */
function expectValues(actual: Float64Array, expected: readonly number[], digits = 12): void {
  expect(actual.length).toBe(expected.length)
  expected.forEach((want, i) => {
    if (Number.isNaN(want)) expect(actual[i], `index ${i}`).toBeNaN()
    else expect(actual[i], `index ${i}`).toBeCloseTo(want, digits)
  })
}

function firstDefinedIndex(values: Float64Array): number {
  return values.findIndex((v) => !Number.isNaN(v))
}

// ---------------------------------------------------------------------------------------------

describe.each(SERIES)('against technicalindicators: %s', (_name, { high, low, close }) => {
  it('SMA for periods 1, 5, 20, 200', () => {
    for (const period of [1, 5, 20, 200]) {
      expectAlignedClose(sma(close, period), SMA.calculate({ period, values: close }))
    }
  })

  it('EMA (both seeded with the SMA of the first period values) for periods 1, 9, 12, 26, 50', () => {
    for (const period of [1, 9, 12, 26, 50]) {
      expectAlignedClose(ema(close, period), EMA.calculate({ period, values: close }))
    }
  })

  it('RSI 14 and 5: full precision against its AverageGain/AverageLoss, and its rounded RSI to 0.005', () => {
    for (const period of [14, 5]) {
      const ours = rsi(close, period)
      // technicalindicators' RSI rounds to 2 decimals with no option to disable it; its Wilder
      // averages are not rounded, so the full-precision check is built from them.
      const gains = AverageGain.calculate({ period, values: close })
      const losses = AverageLoss.calculate({ period, values: close })
      const reference = gains.map((g, i) => {
        const l = losses[i] as number
        return l === 0 ? 100 : 100 - 100 / (1 + g / l)
      })
      expectAlignedClose(ours, reference)
      expectAlignedClose(ours, RSI.calculate({ period, values: close }), 0, 0.005 + 1e-9)
    }
  })

  it('MACD 12/26/9 with EMA oscillator and EMA signal', () => {
    const ours = macd(close)
    const reference = MACD.calculate({
      values: close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9,
      SimpleMAOscillator: false, SimpleMASignal: false,
    })
    expectAlignedClose(ours.macd, reference.map((r) => r.MACD))
    expectAlignedClose(ours.signal, reference.map((r) => r.signal))
    expectAlignedClose(ours.histogram, reference.map((r) => r.histogram), REL, 1e-8)
  })

  it('Bollinger Bands 20, 2σ (population) and 10, 1.5σ', () => {
    for (const [period, k] of [[20, 2], [10, 1.5]] as const) {
      const ours = bollinger(close, period, k)
      const reference = BollingerBands.calculate({ period, stdDev: k, values: close })
      expectAlignedClose(ours.upper, reference.map((r) => r.upper))
      expectAlignedClose(ours.middle, reference.map((r) => r.middle))
      expectAlignedClose(ours.lower, reference.map((r) => r.lower))
    }
  })

  it('ATR 14 and 3 (Wilder)', () => {
    for (const period of [14, 3]) {
      expectAlignedClose(atr(high, low, close, period), ATR.calculate({ period, high, low, close }))
    }
  })

  it('computeIndicators matches the individual functions with the ohlcv_data parameters', () => {
    const set = computeIndicators({ high, low, close })
    const expected = {
      ma5: sma(close, 5), ma20: sma(close, 20), ma60: sma(close, 60), ma120: sma(close, 120), ma200: sma(close, 200),
      rsi: rsi(close, 14), macd: macd(close, 12, 26, 9).macd, macdSignal: macd(close, 12, 26, 9).signal,
      bbUpper: bollinger(close, 20, 2).upper, bbMiddle: bollinger(close, 20, 2).middle, bbLower: bollinger(close, 20, 2).lower,
      atr: atr(high, low, close, 14),
    }
    expect(Object.keys(set).sort()).toEqual(Object.keys(expected).sort())
    expect(set).toEqual(expected)
    for (const column of Object.values(set)) expect(column.length).toBe(close.length)
  })
})

describe('hand-worked examples', () => {
  it('SMA of 1..5 with period 3', () => {
    expectValues(sma([1, 2, 3, 4, 5], 3), [NaN, NaN, 2, 3, 4])
  })

  it('EMA is seeded with the SMA, then uses α = 2 / (period + 1)', () => {
    // seed (2 + 4 + 6) / 3 = 4; α = 0.5: 4 + 0.5·(8 − 4) = 6; 6 + 0.5·(20 − 6) = 13
    expectValues(ema([2, 4, 6, 8, 20], 3), [NaN, NaN, 4, 6, 13])
  })

  it("Wilder's average: seed = mean, then (prev · (n − 1) + x) / n", () => {
    // seed (3 + 6 + 9) / 3 = 6; (6·2 + 0) / 3 = 4; (4·2 + 10) / 3 = 6
    expectValues(rma([3, 6, 9, 0, 10], 3), [NaN, NaN, 6, 4, 6])
  })

  it('RSI is 100 when every change is a gain, 0 when every change is a loss', () => {
    const rising = Array.from({ length: 20 }, (_, i) => 10 + i * 0.5)
    const up = rsi(rising)
    expect(firstDefinedIndex(up)).toBe(14)
    expect([...up.slice(14)]).toEqual(Array(6).fill(100))
    const down = rsi(rising.slice().reverse())
    expect([...down.slice(14)]).toEqual(Array(6).fill(0))
  })

  it('RSI with Wilder smoothing, worked by hand (period 2)', () => {
    // changes: +2, −1, +3, −2
    // index 2: avgGain (2 + 0)/2 = 1, avgLoss (0 + 1)/2 = 0.5 → RS 2 → 100 − 100/3
    // index 3: avgGain (1 + 3)/2 = 2, avgLoss (0.5 + 0)/2 = 0.25 → RS 8 → 100 − 100/9
    // index 4: avgGain (2 + 0)/2 = 1, avgLoss (0.25 + 2)/2 = 1.125 → RS 8/9 → 100 − 100/(17/9)
    expectValues(rsi([10, 12, 11, 14, 12], 2), [NaN, NaN, 100 - 100 / 3, 100 - 100 / 9, 100 - 900 / 17])
  })

  it('RSI of a flat series is 100 (average loss 0), as in TradingView', () => {
    expectValues(rsi([5, 5, 5, 5], 2), [NaN, NaN, 100, 100])
  })

  it('MACD: the signal starts at index slow + signal − 2, the MACD line at slow − 1', () => {
    const { close } = randomWalk(3, 60)
    const result = macd(close)
    expect(firstDefinedIndex(result.macd)).toBe(25)
    expect(firstDefinedIndex(result.signal)).toBe(33)
    expect(firstDefinedIndex(result.histogram)).toBe(33)
    // Small periods by hand: fast 1 (the close itself), slow 2, signal 2.
    // EMA2 of [1, 3, 5, 9]: seed 2, then 2 + (2/3)(5 − 2) = 4, 4 + (2/3)(9 − 4) = 22/3
    // macd = close − EMA2: [NaN, 1, 1, 9 − 22/3 = 5/3]; signal seed (1 + 1)/2 = 1, then 1 + (2/3)(5/3 − 1) = 13/9
    const small = macd([1, 3, 5, 9], 1, 2, 2)
    expectValues(small.macd, [NaN, 1, 1, 5 / 3])
    expectValues(small.signal, [NaN, NaN, 1, 13 / 9])
    expectValues(small.histogram, [NaN, NaN, 0, 5 / 3 - 13 / 9])
  })

  it('Bollinger Bands use the population standard deviation', () => {
    // window [1, 2, 3]: mean 2, population variance 2/3 (the sample variance would be 1)
    const bands = bollinger([1, 2, 3, 5], 3, 2)
    const sigma = Math.sqrt(2 / 3)
    expectValues(bands.middle, [NaN, NaN, 2, 10 / 3])
    expectValues(bands.upper.slice(0, 3), [NaN, NaN, 2 + 2 * sigma])
    expectValues(bands.lower.slice(0, 3), [NaN, NaN, 2 - 2 * sigma])
    // window [2, 3, 5]: mean 10/3, deviations −4/3, −1/3, 5/3 → variance (16 + 1 + 25)/27 = 42/27
    expect(bands.upper[3]).toBeCloseTo(10 / 3 + 2 * Math.sqrt(42 / 27), 12)
  })

  it('ATR: true ranges start at the second bar and the first ATR is their mean', () => {
    const high = [10, 12, 13, 12]
    const low = [8, 11, 12, 9]
    const close = [9, 11.5, 12.5, 10]
    // TR: [NaN, max(1, 3, 2) = 3, max(1, 1.5, 0.5) = 1.5, max(3, 0.5, 3.5) = 3.5]
    expectValues(trueRange(high, low, close), [NaN, 3, 1.5, 3.5])
    // ATR 2: (3 + 1.5)/2 = 2.25, then (2.25 + 3.5)/2 = 2.875
    expectValues(atr(high, low, close, 2), [NaN, NaN, 2.25, 2.875])
  })
})

describe('output shape and warm-up', () => {
  const { high, low, close } = randomWalk(11, 300)

  it('every output has the input length and NaN exactly during the warm-up', () => {
    const cases: [string, Float64Array, number][] = [
      ['sma 20', sma(close, 20), 19], ['ema 12', ema(close, 12), 11], ['rsi 14', rsi(close), 14],
      ['bollinger 20', bollinger(close).middle, 19], ['atr 14', atr(high, low, close), 14],
      ['macd', macd(close).macd, 25], ['macd signal', macd(close).signal, 33],
    ]
    for (const [name, values, first] of cases) {
      expect(values, name).toBeInstanceOf(Float64Array)
      expect(values.length, name).toBe(close.length)
      expect(firstDefinedIndex(values), name).toBe(first)
      expect(values.slice(first).every(Number.isFinite), name).toBe(true)
    }
  })

  it('accepts Float64Array input and gives the same result as number[]', () => {
    const typed = Float64Array.from(close)
    expect(sma(typed, 20)).toEqual(sma(close, 20))
    expect(rsi(typed)).toEqual(rsi(close))
    expect(atr(Float64Array.from(high), Float64Array.from(low), typed)).toEqual(atr(high, low, close))
  })

  it('series shorter than the warm-up are all NaN, and empty input gives empty output', () => {
    expect([...sma([1, 2], 3)]).toEqual([NaN, NaN])
    expect([...rsi([1, 2, 3], 14)]).toEqual([NaN, NaN, NaN])
    expect(computeIndicators({ high: [], low: [], close: [] }).ma200.length).toBe(0)
    expect(computeIndicators({ high: high.slice(0, 150), low: low.slice(0, 150), close: close.slice(0, 150) }).ma200.every(Number.isNaN)).toBe(true)
  })
})

describe('missing values (NaN inputs)', () => {
  it('SMA: only the windows containing the NaN are NaN', () => {
    expectValues(sma([1, 2, NaN, 4, 5, 6, 7], 2), [NaN, 1.5, NaN, NaN, 4.5, 5.5, 6.5])
  })

  it('EMA restarts its warm-up after a NaN instead of staying NaN forever', () => {
    // after the NaN the seed is the mean of the next 2 values: (10 + 20)/2 = 15; α = 2/3: 15 + (2/3)(30 − 15) = 25
    expectValues(ema([1, 2, 3, NaN, 10, 20, 30], 2), [NaN, 1.5, 1.5 + (2 / 3) * 1.5, NaN, NaN, 15, 25])
  })

  it('RSI and ATR recover period bars after the gap', () => {
    const { high, low, close } = randomWalk(5, 80)
    close[40] = Number.NaN
    const r = rsi(close, 14)
    expect(r.slice(14, 40).every(Number.isFinite)).toBe(true)
    expect(r.slice(40, 55).every(Number.isNaN)).toBe(true)
    expect(r.slice(55).every(Number.isFinite)).toBe(true)
    // After the gap it equals the RSI of the series restarted at bar 41.
    expectValues(r.slice(55), [...rsi(close.slice(41), 14).slice(14)])

    const a = atr(high, low, close, 14)
    expect(a.slice(41, 55).every(Number.isNaN)).toBe(true)
    expectValues(a.slice(55), [...atr(high.slice(41), low.slice(41), close.slice(41), 14).slice(14)])
  })

  it('Infinity is treated like a missing value', () => {
    expectValues(sma([1, Infinity, 3, 4], 2), [NaN, NaN, NaN, 3.5])
  })
})

describe('numerical accuracy on long series', () => {
  /** Direct recomputation of each window, with exact-ish summation via sorting by magnitude. */
  function directSma(values: readonly number[], period: number, i: number): number {
    const window = values.slice(i - period + 1, i + 1).sort((a, b) => Math.abs(a) - Math.abs(b))
    return window.reduce((s, v) => s + v, 0) / period
  }

  it('SMA over 20,000 points stays within 1e-9 relative of a direct recomputation', () => {
    const { close } = randomWalk(42, 20_000, 1_000_000, 0, 0.001)
    for (const period of [5, 200]) {
      const rolled = sma(close, period)
      for (let i = period - 1; i < close.length; i += 7) {
        const direct = directSma(close, period, i)
        expect(Math.abs((rolled[i] as number) - direct)).toBeLessThanOrEqual(1e-9 * Math.abs(direct))
      }
    }
  })

  it('SMA stays exact when huge values leave the window (no cancellation residue)', () => {
    // Spikes of 1e12 among values around 1: a plain rolling sum keeps ~1e-4 of garbage after each spike.
    const random = prng(8)
    const values = Array.from({ length: 10_000 }, (_, i) => (i % 997 === 0 ? 1e12 : 1 + random()))
    const rolled = sma(values, 10)
    for (let i = 9; i < values.length; i++) {
      const direct = directSma(values, 10, i)
      expect(Math.abs((rolled[i] as number) - direct), `index ${i}`).toBeLessThanOrEqual(1e-9 * Math.abs(direct))
    }
  })

  it('Bollinger bands of a calm, high-priced series keep their width', () => {
    // 70,000 ± 0.5 won: a sum-of-squares variance would lose most digits here.
    const values = Array.from({ length: 1000 }, (_, i) => 70_000 + (i % 2 === 0 ? 0.5 : -0.5))
    const bands = bollinger(values, 20, 2)
    for (let i = 19; i < values.length; i++) {
      expect(bands.upper[i]! - bands.middle[i]!).toBeCloseTo(1, 9) // σ = 0.5 exactly, 2σ = 1
    }
  })
})

describe('argument validation', () => {
  it.each([0, -1, 2.5, Number.NaN, Infinity])('rejects period %s with a ValidationError naming it', (period) => {
    expect(() => sma([1, 2, 3], period)).toThrow(ValidationError)
    expect(() => sma([1, 2, 3], period)).toThrow(/period/)
    expect(() => ema([1, 2, 3], period)).toThrow(/period/)
    expect(() => rsi([1, 2, 3], period)).toThrow(/period/)
    expect(() => bollinger([1, 2, 3], period)).toThrow(/period/)
    expect(() => atr([1], [1], [1], period)).toThrow(/period/)
  })

  it('names the bad MACD argument', () => {
    expect(() => macd([1, 2, 3], 0)).toThrow(/fast/)
    expect(() => macd([1, 2, 3], 12, 1.5)).toThrow(/slow/)
    expect(() => macd([1, 2, 3], 12, 26, -9)).toThrow(/signal/)
    expect(() => macd([1, 2, 3], 26, 12)).toThrow(ValidationError)
  })

  it('rejects a negative or non-finite Bollinger k', () => {
    expect(() => bollinger([1, 2, 3], 2, -1)).toThrow(/field 'k': must/)
    expect(() => bollinger([1, 2, 3], 2, Number.NaN)).toThrow(ValidationError)
  })

  it('rejects high/low/close of different lengths', () => {
    expect(() => atr([1, 2], [1], [1, 2])).toThrow(ValidationError)
    expect(() => computeIndicators({ high: [1, 2], low: [1, 2], close: [1] })).toThrow(/must be aligned/)
  })
})

describe('resumeIndicators: continuing from a saved state gives the whole-series values bit for bit', () => {
  const FIELDS = ['ma5', 'ma20', 'ma60', 'ma120', 'ma200', 'rsi', 'macd', 'macdSignal', 'bbUpper', 'bbMiddle', 'bbLower', 'atr'] as const
  /** Index of the first value that differs in any bit (NaN equal to NaN), or -1. */
  const firstDifference = (a: Float64Array, b: Float64Array) => {
    if (a.length !== b.length) return -2
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i
    return -1
  }
  const slice = (s: Ohlc, from: number, to: number) => ({ high: s.high.slice(from, to), low: s.low.slice(from, to), close: s.close.slice(from, to) })

  // KRW-sized prices (large sums: the SMA re-summation matters), with gaps (NaN bars reset the recursions).
  const withGaps = randomWalk(31, 1_500, 70_000, 0, 0.03)
  for (const i of [300, 301, 302, 700, 1_100]) withGaps.close[i] = Number.NaN
  withGaps.high[900] = Number.NaN
  const cases: [string, Ohlc][] = [...SERIES.map(([name, s]): [string, Ohlc] => [name, slice(s, 0, 2_000)]), ['with missing bars', withGaps]]

  it.each(cases)('%s: one call from the first bar equals computeIndicators', (_name, series) => {
    const whole = computeIndicators(series)
    const { set, state } = resumeIndicators(series)
    expect(FIELDS.map((f) => [f, firstDifference(set[f], whole[f])])).toEqual(FIELDS.map((f) => [f, -1]))
    expect(state.bars).toBe(series.close.length)
    expect(state.closes).toHaveLength(CLOSES_KEPT)
  })

  it.each(cases)('%s: chained over slices (daily bars, odd splits, splits inside the warm-ups) equals computeIndicators', (_name, series) => {
    const whole = computeIndicators(series)
    const n = series.close.length
    // Cuts inside every warm-up (4, 13, 25, 33, 199), around the re-summation points and the gaps, then daily bars.
    const cuts = [1, 4, 13, 14, 25, 33, 150, 199, 200, 201, 299, 301, 399, 400, 401, 598, 1_000, 1_001]
    for (let i = 1_300; i < n; i += 37) cuts.push(i)
    for (let i = n - 20; i < n; i++) cuts.push(i)
    const bounds = [0, ...[...new Set(cuts)].filter((c) => c < n).sort((a, b) => a - b), n]
    const parts = FIELDS.map(() => [] as number[])
    let state: ReturnType<typeof resumeIndicators>['state'] | undefined
    for (let k = 0; k + 1 < bounds.length; k++) {
      // Through the float8[] form the database keeps (a state is stored between runs).
      const saved = state && stateOf(state.bars, Float64Array.from(state.closes), Float64Array.from(recursionsOf(state)))
      const step = resumeIndicators(slice(series, bounds[k]!, bounds[k + 1]!), saved)
      FIELDS.forEach((f, j) => parts[j]!.push(...step.set[f]))
      state = step.state
    }
    expect(FIELDS.map((f, j) => [f, firstDifference(Float64Array.from(parts[j]!), whole[f])])).toEqual(FIELDS.map((f) => [f, -1]))
  })

  it('refuses a state that keeps too few closes to continue the SMAs exactly', () => {
    const { state } = resumeIndicators(slice(SERIES[0]![1], 0, 500))
    const cut = stateOf(state.bars, state.closes.slice(10), recursionsOf(state))
    expect(() => resumeIndicators(slice(SERIES[0]![1], 500, 510), cut)).toThrow(/keeps 388 closes/)
  })
})
