import { invalidArgument } from '../errors.js'
// A small, fast, seeded pseudo-random generator for reproducible synthetic data.
// xoshiro128** (Blackman & Vigna): 128 bits of state, period 2^128 − 1, good statistical quality,
// and only 32-bit integer operations, which JavaScript does exactly (Math.imul, >>>), so the
// sequence is identical on every platform. Math.random cannot be seeded; mulberry32 has a single
// 32-bit state, too little to give each of thousands of tickers its own independent stream.

const TWO_POW_32 = 4294967296
const TWO_POW_53 = 9007199254740992

/** murmur3's 32-bit finalizer: a bijection that spreads every input bit over the whole word. */
function mix32(x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x >>> 0
}

/**
 * A seeded random number generator with independent numbered streams.
 *
 * `new Random(seed, stream)` gives the same sequence for the same (seed, stream) on every run and
 * platform; different streams of one seed are unrelated, which lets generators give each entity
 * (e.g. each ticker) its own stream, so adding draws for one never shifts another's numbers.
 *
 * @example
 * ```ts
 * const random = new Random(42)
 * random.next()        // a float in [0, 1)
 * random.int(1, 6)     // a die roll
 * random.normal()      // a standard normal deviate
 * const other = new Random(42, 7) // stream 7 of the same seed
 * ```
 */
export class Random {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  /** The second deviate of the last Box–Muller pair, or NaN when none is pending. */
  private spareNormal = Number.NaN

  /**
   * @param seed any safe integer (else `ValidationError`)
   * @param stream a stream number, an integer in [0, 2^32) (else `ValidationError`)
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw invalidArgument('seed', `must be a safe integer, got ${String(seed)}`)
    if (!Number.isInteger(stream) || stream < 0 || stream >= TWO_POW_32) {
      throw invalidArgument('stream', `must be an integer in [0, 2^32), got ${String(stream)}`)
    }
    // Each state word comes from a different input through a bijection, so distinct
    // (seed, stream) pairs always get distinct states; the warm-up below decorrelates them.
    const low = seed >>> 0
    const high = Math.floor(seed / TWO_POW_32) >>> 0
    this.s0 = mix32(low ^ 0x9e3779b9)
    this.s1 = mix32(high ^ 0x7f4a7c15)
    this.s2 = mix32(stream ^ 0xf39cc060)
    this.s3 = mix32(this.s0 ^ this.s1 ^ this.s2 ^ 0x5851f42d)
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1 // the one forbidden state
    for (let i = 0; i < 16; i++) this.nextUint32()
  }

  /** The next 32-bit unsigned integer of the sequence. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** A float uniformly distributed in [0, 1), with the full 53 bits of precision. */
  next(): number {
    const high = this.nextUint32() >>> 5 // 27 bits
    const low = this.nextUint32() >>> 6 // 26 bits
    return (high * 67108864 + low) / TWO_POW_53
  }

  /** An integer uniformly distributed in [min, max] (both inclusive, both integers). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** A uniformly chosen element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw invalidArgument('(arguments)', 'cannot pick from an empty list')
    return items[this.int(0, items.length - 1)] as T
  }

  /**
   * A normal deviate with the given mean and standard deviation, by the Box–Muller transform.
   * Each transform yields two independent deviates; the second is kept for the next call.
   */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal
      this.spareNormal = Number.NaN
      return mean + sd * spare
    }
    const u1 = 1 - this.next() // (0, 1]: log(0) would be −Infinity
    const u2 = this.next()
    const radius = Math.sqrt(-2 * Math.log(u1))
    const angle = 2 * Math.PI * u2
    this.spareNormal = radius * Math.sin(angle)
    return mean + sd * radius * Math.cos(angle)
  }

  /** exp(N(log(median), sigma)): a positive value whose median is `median`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
