import { invalidArgument } from '../errors.js'
// Building blocks shared by the indicator functions: argument checks, the NaN-filled output
// buffer, and a compensated running sum. Not re-exported by the barrel.

/**
 * Throws a `ValidationError` naming `name` unless `value` is a positive safe integer.
 * Periods are window lengths: 0, negatives, fractions and NaN have no meaning, and silently
 * truncating them would hide a caller's bug.
 */
export function assertPeriod(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalidArgument(name, `must be a positive integer, got ${String(value)}`)
  }
}

/** Throws a `ValidationError` naming the first series whose length differs from the first one's. */
export function assertSameLength(series: Readonly<Record<string, ArrayLike<number>>>): number {
  let expected: number | undefined
  let first = ''
  for (const [name, values] of Object.entries(series)) {
    if (expected === undefined) {
      expected = values.length
      first = name
    } else if (values.length !== expected) {
      throw invalidArgument(name, `has ${values.length} values but ${first} has ${expected}: the series must be aligned`)
    }
  }
  return expected ?? 0
}

/** A `Float64Array` of `length` NaNs: every index is "not computed yet" until proven otherwise. */
export function nanArray(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN)
}

/**
 * A value counts as a real observation only when it is finite: NaN marks a missing bar, and
 * ±Infinity (a division by zero upstream, typically) would poison every recursive average after it.
 */
export function isObservation(value: number | undefined): value is number {
  return Number.isFinite(value)
}

/**
 * Neumaier's compensated sum. A rolling window sum adds and subtracts every value once; with
 * plain addition the rounding errors of those 2n operations accumulate, and subtracting a large
 * value that has left the window leaves an absolute error the size of that value's last bit,
 * which is a huge relative error when the remaining values are small. The compensation term
 * carries the lost low-order bits, so the sum stays within a few ulps of the exact one.
 */
export class CompensatedSum {
  // Both parts can be given, to continue a sum saved with `parts` (bit for bit).
  constructor(private sum = 0, private compensation = 0) {}

  add(value: number): void {
    const next = this.sum + value
    // Whichever operand is larger in magnitude keeps its bits; recover the ones the smaller lost.
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - next + value
    else this.compensation += value - next + this.sum
    this.sum = next
  }

  reset(): void {
    this.sum = 0
    this.compensation = 0
  }

  get value(): number {
    return this.sum + this.compensation
  }

  /** The running sum and its compensation, as the constructor takes them. */
  get parts(): [number, number] {
    return [this.sum, this.compensation]
  }
}
