import { ema } from './ema.js'
import { assertPeriod, nanArray } from './internal.js'
import { invalidArgument } from '../errors.js'

/** The three lines of {@link macd}, each as long as the input. */
export interface MacdResult {
  /** EMA(fast) − EMA(slow) of the closes; first value at index `slow − 1`. */
  macd: Float64Array
  /** EMA(signal) of the MACD line; first value at index `slow + signal − 2`. */
  signal: Float64Array
  /** macd − signal; defined where `signal` is. */
  histogram: Float64Array
}

/**
 * Moving Average Convergence/Divergence (Appel): the standard definition used by TA-Lib,
 * TradingView and most platforms.
 *
 * - macd = EMA(close, fast) − EMA(close, slow), both EMAs seeded with the SMA of their first
 *   `period` values (see {@link ema}); defined from index `slow − 1`;
 * - signal = EMA(macd, signal), computed over the defined part of the MACD line only, so it is
 *   seeded with the SMA of the first `signal` MACD values and starts at index `slow + signal − 2`
 *   (33 with the defaults);
 * - histogram = macd − signal.
 *
 * technicalindicators' `MACD` defaults to SIMPLE moving averages (`SimpleMAOscillator` and
 * `SimpleMASignal` true); with both set to false it computes exactly this.
 *
 * Values before the warm-up is complete are NaN (stored as NULL by the database layer). A NaN close
 * resets both EMAs (see {@link ema}), so the lines are NaN until they have warmed up again.
 *
 * @param close closing prices (any `ArrayLike<number>`)
 * @param fast fast EMA period, default 12; slow: default 26; signal: default 9. All positive
 *   integers with `fast < slow` (else `ValidationError`).
 *
 * @example
 * ```ts
 * const { macd: line, signal, histogram } = macd(closes)
 * const bullishCross = histogram[i - 1]! < 0 && histogram[i]! > 0
 * ```
 */
export function macd(close: ArrayLike<number>, fast = 12, slow = 26, signal = 9): MacdResult {
  assertPeriod('fast', fast)
  assertPeriod('slow', slow)
  assertPeriod('signal', signal)
  // Swapped periods would silently produce an inverted oscillator.
  if (fast >= slow) throw invalidArgument('fast', `must be smaller than slow, got fast ${fast} and slow ${slow}`)

  const fastLine = ema(close, fast)
  const slowLine = ema(close, slow)
  const n = close.length
  const line = nanArray(n)
  for (let i = 0; i < n; i++) line[i] = (fastLine[i] as number) - (slowLine[i] as number) // NaN if either is

  // The leading NaNs of the MACD line only delay the EMA's seed: that is "computed over the
  // defined part of macd".
  const signalLine = ema(line, signal)
  const histogram = nanArray(n)
  for (let i = 0; i < n; i++) histogram[i] = (line[i] as number) - (signalLine[i] as number)

  return { macd: line, signal: signalLine, histogram }
}
