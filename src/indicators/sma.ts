import { assertPeriod, CompensatedSum, isObservation, nanArray } from './internal.js'

/**
 * Simple moving average: the arithmetic mean of the last `period` values.
 *
 * Output conventions shared by every indicator of this module:
 * - the result has the same length as the input and is aligned index by index with it;
 * - values before the warm-up is complete are NaN (stored as NULL by the database layer);
 *   here the first value is at index `period - 1`.
 *
 * Missing values: a NaN (or ±Infinity) input makes every window that contains it NaN; the average
 * resumes once the missing value has left the window. Pass only real bars when you can.
 *
 * Precision: a rolling sum with compensated (Neumaier) summation, re-summed from scratch every
 * `period` steps, so a 10,000+ point series stays within ~1e-12 relative of a direct recomputation
 * of each window, in O(n) time.
 *
 * @param values prices (any `ArrayLike<number>`: `number[]`, `Float64Array`, ...)
 * @param period window length, a positive integer (else `ValidationError`)
 *
 * @example
 * ```ts
 * sma([1, 2, 3, 4, 5], 3) // Float64Array [NaN, NaN, 2, 3, 4]
 * ```
 */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('period', period)
  return smaAligned(values, period, 0)
}

/**
 * {@link sma} of a series whose first value is value number `offset` of a longer one: the window sum
 * is re-summed where one pass over the whole series re-sums it, so from the first re-summation of a
 * full window on (at index 2 · period − 2 at the latest) the results are bit for bit those of the
 * whole series. Before it they are the same averages, possibly a few ulps apart.
 * @internal
 */
export function smaAligned(values: ArrayLike<number>, period: number, offset: number): Float64Array {
  const n = values.length
  const out = nanArray(n)
  const sum = new CompensatedSum()
  // Missing values are counted rather than added, so one NaN does not poison the sum forever.
  let missing = 0

  for (let i = 0; i < n; i++) {
    const entering = values[i]
    if (isObservation(entering)) sum.add(entering)
    else missing++

    if (i >= period) {
      const leaving = values[i - period]
      if (isObservation(leaving)) sum.add(-leaving)
      else missing--
    }

    if (i < period - 1) continue
    // Start afresh every `period` outputs: compensation keeps errors tiny, and re-summing bounds
    // them by one window's worth of updates however long the series is (O(1) amortized per value).
    if ((offset + i + 1) % period === 0) resum(values, i - period + 1, i, sum)
    if (missing === 0) out[i] = sum.value / period
  }
  return out
}

/** Recomputes `sum` as the compensated sum of the observations in `values[from..to]`. */
function resum(values: ArrayLike<number>, from: number, to: number, sum: CompensatedSum): void {
  sum.reset()
  for (let j = from; j <= to; j++) {
    const value = values[j]
    if (isObservation(value)) sum.add(value)
  }
}
