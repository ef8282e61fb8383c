import { rma } from './ema.js'
import { assertPeriod, assertSameLength, isObservation, nanArray } from './internal.js'

/**
 * True range of each bar: max(high − low, |high − previous close|, |low − previous close|).
 *
 * The first bar has no previous close, so its true range is NaN rather than `high − low`: this is
 * what TA-Lib and technicalindicators do, and it keeps {@link atr} from mixing two definitions in
 * its first average. A bar whose high, low or close is missing (NaN) has a NaN true range, and so
 * has the bar after it (its previous close is unknown).
 *
 * @example
 * ```ts
 * trueRange([10, 12], [8, 11], [9, 11.5]) // Float64Array [NaN, 3]  (|12 − 9| > 12 − 11)
 * ```
 */
export function trueRange(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>): Float64Array {
  const n = assertSameLength({ high, low, close })
  const out = nanArray(n)
  for (let i = 1; i < n; i++) {
    const h = high[i]
    const l = low[i]
    const previousClose = close[i - 1]
    if (!isObservation(h) || !isObservation(l) || !isObservation(previousClose) || !isObservation(close[i])) continue
    out[i] = Math.max(h - l, Math.abs(h - previousClose), Math.abs(l - previousClose))
  }
  return out
}

/**
 * Average True Range, Wilder's definition (TA-Lib, TradingView's `ta.atr`, technicalindicators).
 *
 * - true ranges are defined from the SECOND bar on (see {@link trueRange});
 * - the first ATR, at index `period`, is the simple mean of the true ranges of bars 1..period
 *   (the first `period` true ranges that exist);
 * - then Wilder's smoothing: `atr[i] = (atr[i-1] · (period − 1) + tr[i]) / period`.
 *
 * Values before the warm-up is complete are NaN (stored as NULL by the database layer). A missing
 * bar (NaN in high, low or close) resets the average, which warms up again on the following bars.
 *
 * @param high, low, close aligned series of the same length (else `ValidationError`)
 * @param period a positive integer, default 14 (else `ValidationError`)
 *
 * @example
 * ```ts
 * atr([10, 12, 13], [8, 11, 12], [9, 11.5, 12.5], 2) // Float64Array [NaN, NaN, 2.25]  (mean of TR 3 and 1.5)
 * ```
 */
export function atr(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, period = 14): Float64Array {
  assertPeriod('period', period)
  // rma skips the leading NaN of the first bar, so the seed is the mean of TR[1..period].
  return rma(trueRange(high, low, close), period)
}
