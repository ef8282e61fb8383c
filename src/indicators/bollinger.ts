import { assertPeriod, nanArray } from './internal.js'
import { sma } from './sma.js'
import { invalidArgument } from '../errors.js'

/** The three bands of {@link bollinger}, each as long as the input. */
export interface BollingerResult {
  /** middle + k · σ */
  upper: Float64Array
  /** SMA(close, period) */
  middle: Float64Array
  /** middle − k · σ */
  lower: Float64Array
}

/**
 * Bollinger Bands: the `period`-bar SMA plus and minus `k` standard deviations of the same window.
 *
 * σ is the POPULATION standard deviation (divide by `period`, not `period − 1`), as Bollinger
 * defined it and as TA-Lib, TradingView and technicalindicators compute it.
 *
 * The first value is at index `period − 1`; values before the warm-up is complete are NaN (stored
 * as NULL by the database layer). A NaN close makes every window containing it NaN, as in
 * {@link sma}.
 *
 * Precision: σ is computed per window with the corrected two-pass formula
 * (Σ(x − m)² − (Σ(x − m))² / n) / n, not from a running sum of squares, which loses most of its
 * digits when prices are large and the window is calm (e.g. 70,000 ± 50 won). This costs
 * O(n · period), which is negligible for the usual period of 20.
 *
 * @param close closing prices (any `ArrayLike<number>`)
 * @param period a positive integer, default 20 (else `ValidationError`)
 * @param k band width in standard deviations, a finite number ≥ 0, default 2 (else `ValidationError`)
 *
 * @example
 * ```ts
 * bollinger([1, 2, 3], 3, 2)
 * // middle [NaN, NaN, 2], upper [NaN, NaN, 2 + 2·√(2/3)], lower [NaN, NaN, 2 − 2·√(2/3)]
 * ```
 */
export function bollinger(close: ArrayLike<number>, period = 20, k = 2): BollingerResult {
  assertPeriod('period', period)
  if (!Number.isFinite(k) || k < 0) throw invalidArgument('k', `must be a finite number >= 0, got ${String(k)}`)

  return bands(close, sma(close, period), period, k, period - 1)
}

/**
 * The bands around `middle` (the `period`-SMA of `close`) from index `start` on (NaN before).
 * @internal
 */
export function bands(close: ArrayLike<number>, middle: Float64Array, period: number, k: number, start: number): BollingerResult {
  const n = close.length
  const upper = nanArray(n)
  const lower = nanArray(n)
  for (let i = Math.max(start, period - 1); i < n; i++) {
    const mean = middle[i] as number
    if (Number.isNaN(mean)) continue // the window holds a missing value
    let deviations = 0
    let squares = 0
    for (let j = i - period + 1; j <= i; j++) {
      const d = (close[j] as number) - mean
      deviations += d
      squares += d * d
    }
    // `deviations` is ~0 up to the rounding of `mean`; subtracting its square corrects for it.
    const variance = Math.max(0, (squares - (deviations * deviations) / period) / period)
    const width = k * Math.sqrt(variance)
    upper[i] = mean + width
    lower[i] = mean - width
  }
  return { upper, middle, lower }
}
