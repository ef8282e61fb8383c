import { assertPeriod, CompensatedSum, isObservation, nanArray } from './internal.js'

/**
 * Exponential moving average with smoothing factor `2 / (period + 1)`.
 *
 * Seeding convention (the one of TA-Lib, TradingView's `ta.ema` after its warm-up, and
 * technicalindicators): the first value, at index `period - 1`, is the SIMPLE average of the first
 * `period` values; from then on `ema[i] = ema[i-1] + α · (x[i] − ema[i-1])`. Seeding with the
 * first value alone instead would make early values depend heavily on one arbitrary price.
 *
 * Values before the warm-up is complete are NaN (stored as NULL by the database layer).
 *
 * Missing values: an EMA remembers every past value, so a NaN (or ±Infinity) input cannot simply
 * "leave the window". Instead it resets the average: the output is NaN at that index and the
 * average warms up again on the next `period` real values, as if the series started there.
 * Leading NaNs (for example the warm-up of another indicator) therefore only delay the seed.
 *
 * @param values prices (any `ArrayLike<number>`)
 * @param period a positive integer (else `ValidationError`)
 *
 * @example
 * ```ts
 * ema([1, 2, 3, 4, 5], 3) // Float64Array [NaN, NaN, 2, 3, 4]  (seed = mean(1, 2, 3) = 2)
 * ema([2, 4, 6, 8], 3)    // [NaN, NaN, 4, 6]                  (4 + 0.5 · (8 − 4))
 * ```
 */
export function ema(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('period', period)
  return smooth(values, period, 2 / (period + 1))
}

/**
 * Wilder's moving average (also called RMA or SMMA): an EMA with smoothing factor `1 / period`,
 * i.e. `avg[i] = (avg[i-1] · (period − 1) + x[i]) / period`. RSI and ATR use it.
 *
 * Seeded like {@link ema}: the first value, at index `period - 1` (counting from the first real
 * value), is the simple mean of the first `period` values. NaN inputs reset it like {@link ema}.
 *
 * @example
 * ```ts
 * rma([1, 2, 3, 4], 3) // Float64Array [NaN, NaN, 2, 2.6666666666666665]  ((2 · 2 + 4) / 3)
 * ```
 */
export function rma(values: ArrayLike<number>, period: number): Float64Array {
  assertPeriod('period', period)
  return smooth(values, period, 1 / period)
}

/**
 * Where an EMA / Wilder average stands after some values: enough to continue it on later values with
 * the very same floating-point operations as one pass over the whole series (see `resume.ts`).
 * @internal
 */
export interface SmoothState {
  /** The current average; NaN until seeded. */
  average: number
  /** Real values collected towards the seed; `period` once the average runs. */
  seeded: number
  /** The seed's compensated sum (its two parts) while `seeded < period`. */
  seedSum: number
  seedCompensation: number
}

/** The state before the first value. @internal */
export function freshSmooth(): SmoothState {
  return { average: Number.NaN, seeded: 0, seedSum: 0, seedCompensation: 0 }
}

/** The recursion shared by {@link ema} and {@link rma}; `period` only sizes the SMA seed. */
function smooth(values: ArrayLike<number>, period: number, alpha: number): Float64Array {
  return smoothFrom(values, period, alpha, freshSmooth())
}

/**
 * {@link smooth} continued from `state` (updated in place to where the average stands after `values`).
 * @internal
 */
export function smoothFrom(values: ArrayLike<number>, period: number, alpha: number, state: SmoothState): Float64Array {
  const n = values.length
  const out = nanArray(n)
  const seed = new CompensatedSum(state.seedSum, state.seedCompensation)
  let seeded = state.seeded
  let average = state.average

  for (let i = 0; i < n; i++) {
    const value = values[i]
    if (!isObservation(value)) {
      seed.reset()
      seeded = 0
      average = Number.NaN
      continue
    }
    if (seeded < period) {
      seed.add(value)
      seeded++
      if (seeded < period) continue
      average = seed.value / period
    } else {
      // This form (rather than α·x + (1 − α)·prev) is the one every reference implementation uses,
      // so results agree to the last bits instead of drifting apart by rounding.
      average = average + alpha * (value - average)
    }
    out[i] = average
  }
  state.average = average
  state.seeded = seeded
  state.seedSum = seed.parts[0]
  state.seedCompensation = seed.parts[1]
  return out
}
