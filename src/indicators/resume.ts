import { rsiFromAverages } from './rsi.js'
import { bands } from './bollinger.js'
import { freshSmooth, smoothFrom, type SmoothState } from './ema.js'
import type { IndicatorSet, OhlcSeries } from './indicator-set.js'
import { assertSameLength, isObservation, nanArray } from './internal.js'
import { smaAligned } from './sma.js'

// `computeIndicators` continued bar by bar: where every indicator of a ticker stands after its last
// bar, so that the next bars are computed from that state instead of the whole history, with the
// very same floating-point operations, hence bit-for-bit the values of one pass over the whole series.

const MA_PERIODS = [5, 20, 60, 120, 200] as const
const BB_PERIOD = 20
/**
 * Closes kept in a state. An SMA re-sums its window every `period` bars, counted from the series'
 * first bar; continuing it bit for bit needs the window of its last re-summation, up to
 * 2 · period − 2 closes back (398 for ma200).
 */
export const CLOSES_KEPT = 2 * Math.max(...MA_PERIODS) - 2

/** Where the indicators of one series stand after its last bar (see {@link resumeIndicators}). */
export interface IndicatorState {
  /** Bars of the series so far: the position of the next bar, which aligns the SMA re-summations. */
  bars: number
  /** The last `min(bars, CLOSES_KEPT)` closes, oldest first (NaN for a missing one). */
  closes: Float64Array
  ema12: SmoothState
  ema26: SmoothState
  signal: SmoothState
  gain: SmoothState
  loss: SmoothState
  trueRange: SmoothState
}

const SMOOTH_KEYS = ['ema12', 'ema26', 'signal', 'gain', 'loss', 'trueRange'] as const

/** The state before a series' first bar. */
export function emptyState(): IndicatorState {
  return {
    bars: 0, closes: new Float64Array(0),
    ema12: freshSmooth(), ema26: freshSmooth(), signal: freshSmooth(), gain: freshSmooth(), loss: freshSmooth(), trueRange: freshSmooth(),
  }
}

/** The six recursions of a state as 24 numbers (for a float8[] column), and back. */
export function recursionsOf(state: IndicatorState): number[] {
  return SMOOTH_KEYS.flatMap((k) => [state[k].average, state[k].seeded, state[k].seedSum, state[k].seedCompensation])
}

export function stateOf(bars: number, closes: Float64Array, recursions: ArrayLike<number>): IndicatorState {
  if (recursions.length !== SMOOTH_KEYS.length * 4) throw new Error(`an indicator state has ${SMOOTH_KEYS.length * 4} recursion values, got ${recursions.length}`)
  const state = emptyState()
  state.bars = bars
  state.closes = closes
  SMOOTH_KEYS.forEach((k, i) => {
    state[k] = {
      average: recursions[4 * i] as number, seeded: recursions[4 * i + 1] as number,
      seedSum: recursions[4 * i + 2] as number, seedCompensation: recursions[4 * i + 3] as number,
    }
  })
  return state
}

function copyState(state: IndicatorState): IndicatorState {
  return stateOf(state.bars, state.closes, recursionsOf(state))
}

/**
 * The indicators of the bars that follow `state` (default: a series' first bars), and the state
 * after them. Chained over consecutive slices of a series, the values are identical (every bit) to
 * `computeIndicators` of the whole series, and so is `resumeIndicators(series)` alone; the unit
 * tests check both.
 *
 * @example
 * ```ts
 * const { set, state } = resumeIndicators(monday)          // from the first bar
 * const tuesday = resumeIndicators(nextBars, state).set    // = computeIndicators(all bars), tail
 * ```
 */
export function resumeIndicators(input: OhlcSeries, from: IndicatorState = emptyState()): { set: IndicatorSet; state: IndicatorState } {
  const { high, low, close } = input
  const n = assertSameLength({ close, high, low })
  const state = copyState(from)
  const kept = state.closes.length
  if (kept !== state.bars && kept < CLOSES_KEPT) throw new Error(`an indicator state after ${state.bars} bars keeps ${kept} closes, fewer than ${CLOSES_KEPT}`)
  // The kept closes, then the new ones: the windows (SMA, Bollinger) and the previous close (RSI, ATR).
  const all = new Float64Array(kept + n)
  all.set(state.closes)
  for (let i = 0; i < n; i++) all[kept + i] = close[i] as number
  const offset = state.bars - kept
  const tail = (values: Float64Array) => values.slice(kept)

  const ma = MA_PERIODS.map((p) => smaAligned(all, p, offset))
  const bb = bands(all, ma[1]!, BB_PERIOD, 2, kept)

  const fast = smoothFrom(close, 12, 2 / 13, state.ema12)
  const slow = smoothFrom(close, 26, 2 / 27, state.ema26)
  const line = nanArray(n)
  for (let i = 0; i < n; i++) line[i] = (fast[i] as number) - (slow[i] as number)
  const signal = smoothFrom(line, 9, 2 / 10, state.signal)

  const gains = nanArray(n)
  const losses = nanArray(n)
  const ranges = nanArray(n)
  for (let i = 0; i < n; i++) {
    if (kept + i === 0) continue // the series' first bar: no previous close
    const previous = all[kept + i - 1] as number
    const current = all[kept + i] as number
    if (!isObservation(previous) || !isObservation(current)) continue
    const change = current - previous
    gains[i] = change > 0 ? change : 0
    losses[i] = change < 0 ? -change : 0
    const h = high[i]
    const l = low[i]
    if (!isObservation(h) || !isObservation(l)) continue
    ranges[i] = Math.max(h - l, Math.abs(h - previous), Math.abs(l - previous))
  }
  const averageGain = smoothFrom(gains, 14, 1 / 14, state.gain)
  const averageLoss = smoothFrom(losses, 14, 1 / 14, state.loss)
  const rsi = rsiFromAverages(averageGain, averageLoss)
  const atr = smoothFrom(ranges, 14, 1 / 14, state.trueRange)

  state.bars += n
  state.closes = all.slice(Math.max(0, all.length - CLOSES_KEPT))
  return {
    set: {
      ma5: tail(ma[0]!), ma20: tail(ma[1]!), ma60: tail(ma[2]!), ma120: tail(ma[3]!), ma200: tail(ma[4]!),
      rsi, macd: line, macdSignal: signal,
      bbUpper: tail(bb.upper), bbMiddle: tail(ma[1]!), bbLower: tail(bb.lower), atr,
    },
    state,
  }
}
