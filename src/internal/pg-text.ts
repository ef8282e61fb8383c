// Text PostgreSQL sends for NUMERIC and TIMESTAMPTZ, read into the values drizzle's decoders made of
// it (`Number(text)`, `new Date(text)`), exactly, in a fraction of their time (issue 9: the small reads'
// row work). Whatever is outside the plain shapes goes to those same functions.

const ZERO = 48
const POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

/**
 * NUMERIC (or BIGINT) text as `Number(text)` reads it. Up to 16 characters, digits with an optional '-' and '.':
 * the digits as an integer (exact up to 2^53), divided once by a power of ten (exact up to 1e22): IEEE
 * division rounds correctly, so the result is the double nearest the decimal, which is what `Number`
 * gives. ~25 instead of ~45 ns a value; a 50-row `factor_scores` read converts 1,100 of them.
 */
export function parseNumeric(s: string): number {
  const n = s.length
  if (n > 16) return Number(s)
  let i = s.charCodeAt(0) === 45 ? 1 : 0
  if (i >= n) return Number(s) // '' or '-'
  const negative = i === 1
  let v = 0
  let scale = -1
  for (; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 46 && scale < 0) {
      scale = n - i - 1
      continue
    }
    const d = c - ZERO
    if (!(d >= 0 && d <= 9)) return Number(s) // NaN, Infinity, anything else
    v = v * 10 + d
  }
  // '5.', '.'; more than 2^53: digits no longer exact (the last ones never are when the first is)
  if (scale === 0 || v > Number.MAX_SAFE_INTEGER) return Number(s)
  const x = scale > 0 ? v / POWERS_OF_TEN[scale]! : v
  return negative ? -x : x
}

/**
 * TIMESTAMPTZ text as PostgreSQL writes it (DateStyle ISO: 'YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM]') into
 * the Date that `new Date(text)`, drizzle's decoder, gives: the same instant for every input. A read of
 * 50 `factor_scores` rows spent ~10 us in `new Date` on these strings (V8's legacy date parser, ~0.2 us
 * each); reading the fixed positions costs a tenth of that (issue 9). Anything outside the plain shape
 * (a year before 1000, which V8 reads its own way; ' BC'; 'infinity'; an offset with seconds; a value
 * out of range) goes to `new Date` itself, so the result cannot differ.
 */

/** The value of the `n` decimal digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - ZERO // NaN past the end
    if (!(d >= 0 && d <= 9)) return -1
    v = v * 10 + d
  }
  return v
}

/** `text` (a TIMESTAMPTZ in PostgreSQL's ISO output) as a Date, equal to `new Date(text)`. */
export function parseTimestamptz(text: string): Date {
  const ms = fastInstant(text)
  return ms === undefined ? new Date(text) : new Date(ms)
}

/** Milliseconds since 1970 for the plain shape, undefined for anything else. */
function fastInstant(s: string): number | undefined {
  // 'YYYY-MM-DD HH:MM:SS' then an optional fraction, then ±HH and an optional ':MM', then the end.
  if (s.length < 22 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32
    || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 2)
  const day = digits(s, 8, 2)
  const hour = digits(s, 11, 2)
  const minute = digits(s, 14, 2)
  const second = digits(s, 17, 2)
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23
    || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  let i = 19
  let milli = 0
  if (s.charCodeAt(i) === 46) {
    // V8 keeps the first three digits of the fraction and drops the rest (no rounding).
    const start = ++i
    while (i < s.length) {
      const d = s.charCodeAt(i) - ZERO
      if (!(d >= 0 && d <= 9)) break
      if (i - start < 3) milli += d * (i - start === 0 ? 100 : i - start === 1 ? 10 : 1)
      i++
    }
    if (i === start) return undefined
  }
  const sign = s.charCodeAt(i)
  if (sign !== 43 && sign !== 45) return undefined
  const offHour = digits(s, i + 1, 2)
  if (offHour < 0 || offHour > 23) return undefined
  let offMinute = 0
  i += 3
  if (i < s.length) {
    if (s.charCodeAt(i) !== 58 || i + 3 !== s.length) return undefined
    offMinute = digits(s, i + 1, 2)
    if (offMinute < 0 || offMinute > 59) return undefined
  }
  const offset = (offHour * 60 + offMinute) * 60_000
  return Date.UTC(year, month - 1, day, hour, minute, second, milli) - (sign === 43 ? offset : -offset)
}
