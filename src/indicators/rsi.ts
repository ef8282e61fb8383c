import { rma } from './ema.js'
import { assertPeriod, isObservation, nanArray } from './internal.js'

/**
 * Relative Strength Index, Wilder's definition (as in his 1978 book, TA-Lib, TradingView's
 * `ta.rsi` and technicalindicators).
 *
 * - change[i] = close[i] − close[i-1], split into gain = max(change, 0) and loss = max(−change, 0);
 * - the first average gain / loss is the SIMPLE mean of the first `period` changes (changes 1..period),
 *   then Wilder's smoothing: `avg[i] = (avg[i-1] · (period − 1) + x[i]) / period`;
 * - RSI = 100 − 100 / (1 + avgGain / avgLoss), in [0, 100].
 *
 * The first value is at index `period` (a change needs two closes); values before the warm-up is
 * complete are NaN (stored as NULL by the database layer).
 *
 * Edge cases: when the average loss is 0 the RSI is 100, even for a perfectly flat series (both
 * averages 0) — TradingView's and technicalindicators' convention; when only the average gain is
 * 0 it is 0.
 *
 * Missing values: a NaN close makes the two changes around it unknown, which resets the averages;
 * RSI is NaN until `period` new changes have been seen (first value again `period` bars after the
 * first real close following the gap).
 *
 * @param close closing prices (any `ArrayLike<number>`)
 * @param period a positive integer, default 14 (else `ValidationError`)
 *
 * @example
 * ```ts
 * rsi([1, 2, 3, 4], 3)       // Float64Array [NaN, NaN, NaN, 100]  (only gains)
 * rsi(closes).at(-1)         // today's 14-day RSI
 * ```
 */
export function rsi(close: ArrayLike<number>, period = 14): Float64Array {
  assertPeriod('period', period)
  const n = close.length
  const gains = nanArray(n)
  const losses = nanArray(n)
  for (let i = 1; i < n; i++) {
    const previous = close[i - 1]
    const current = close[i]
    // Index 0 has no change; a missing close leaves NaN changes, which reset the Wilder averages.
    if (!isObservation(previous) || !isObservation(current)) continue
    const change = current - previous
    gains[i] = change > 0 ? change : 0
    losses[i] = change < 0 ? -change : 0
  }

  const averageGain = rma(gains, period)
  const averageLoss = rma(losses, period)
  return rsiFromAverages(averageGain, averageLoss)
}

/**
 * RSI from Wilder's average gain and loss, bar by bar (NaN until both are known; 100 without losses).
 * Shared with the resumed computation (resume.ts), so both give the same bits. @internal
 */
export function rsiFromAverages(averageGain: Float64Array, averageLoss: Float64Array): Float64Array {
  const out = nanArray(averageGain.length)
  for (let i = 0; i < out.length; i++) {
    const gain = averageGain[i] as number
    const loss = averageLoss[i] as number
    if (Number.isNaN(gain) || Number.isNaN(loss)) continue
    out[i] = loss === 0 ? 100 : 100 - 100 / (1 + gain / loss)
  }
  return out
}
