import { atr } from './atr.js'
import { bollinger } from './bollinger.js'
import { assertSameLength } from './internal.js'
import { macd } from './macd.js'
import { rsi } from './rsi.js'
import { sma } from './sma.js'

/** Price series of one ticker, oldest bar first, aligned index by index. */
export interface OhlcSeries {
  /** Daily highs, oldest first, the same length as `close` (used by ATR). */
  high: ArrayLike<number>
  /** Daily lows, oldest first, the same length as `close` (used by ATR). */
  low: ArrayLike<number>
  /** Daily closes, oldest first (raw `close`, not `adjusted_close`). */
  close: ArrayLike<number>
}

/**
 * The indicators the `ohlcv_data` table stores, one `Float64Array` per column (TypeScript field
 * names), each as long as the input and aligned with it. NaN (warm-up not complete) is stored as NULL.
 */
export interface IndicatorSet {
  /** SMA(close, 5) */
  ma5: Float64Array
  /** SMA(close, 20) */
  ma20: Float64Array
  /** SMA(close, 60) */
  ma60: Float64Array
  /** SMA(close, 120) */
  ma120: Float64Array
  /** SMA(close, 200) */
  ma200: Float64Array
  /** RSI(close, 14), Wilder smoothing */
  rsi: Float64Array
  /** EMA(close, 12) − EMA(close, 26) */
  macd: Float64Array
  /** EMA(macd, 9) */
  macdSignal: Float64Array
  /** SMA(close, 20) + 2σ (population) */
  bbUpper: Float64Array
  /** SMA(close, 20) */
  bbMiddle: Float64Array
  /** SMA(close, 20) − 2σ (population) */
  bbLower: Float64Array
  /** ATR(14), Wilder smoothing */
  atr: Float64Array
}

/**
 * Computes every indicator column of `ohlcv_data` for one ticker's bars (oldest first):
 * moving averages 5/20/60/120/200 (SMA of close), RSI 14 (Wilder), MACD 12/26 with signal 9
 * (EMAs seeded with an SMA), Bollinger Bands 20 with 2 population standard deviations, and
 * ATR 14 (Wilder). See each function for its exact convention.
 *
 * Values before the warm-up is complete are NaN, stored as NULL: with fewer than 200 bars `ma200`
 * is all NaN, which is correct, not an error. Pass one ticker's real bars only, in date order: a
 * NaN bar blanks the windows that contain it and restarts the recursive averages.
 *
 * @throws ValidationError when the three series differ in length.
 *
 * @example
 * ```ts
 * // bars: one ticker's OHLCV rows, oldest first
 * const ind = computeIndicators({
 *   high: bars.map((b) => b.high), low: bars.map((b) => b.low), close: bars.map((b) => b.close),
 * })
 * const rows = bars.map((b, i) => ({ ...b, ma20: ind.ma20[i], rsi: ind.rsi[i] }))
 * ```
 */
export function computeIndicators(input: OhlcSeries): IndicatorSet {
  const { high, low, close } = input
  assertSameLength({ close, high, low })
  const { macd: line, signal } = macd(close, 12, 26, 9)
  const bands = bollinger(close, 20, 2)
  return {
    ma5: sma(close, 5),
    ma20: sma(close, 20),
    ma60: sma(close, 60),
    ma120: sma(close, 120),
    ma200: sma(close, 200),
    rsi: rsi(close, 14),
    macd: line,
    macdSignal: signal,
    bbUpper: bands.upper,
    bbMiddle: bands.middle,
    bbLower: bands.lower,
    atr: atr(high, low, close, 14),
  }
}
