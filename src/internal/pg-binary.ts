// PostgreSQL's binary COPY format, read without a JS object per value (issue 9: the panel's limit was
// the text wire format and its decoding). `COPY (query) TO STDOUT (FORMAT binary)` sends an 11-byte
// signature, two int32 header words and an extension area, then per row an int16 field count and per
// field an int32 length (-1: NULL) and the value in the type's binary send format; an int16 -1 ends it.
// https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]
const HEADER_FIXED = SIGNATURE.length + 8

/** One row: its bytes, and per field the offset of the value in `view` (-1 for NULL) and its length. */
export type TupleHandler = (bytes: Uint8Array, offsets: Int32Array, lengths: Int32Array) => void

/**
 * Splits a binary COPY stream into rows, whatever the chunking: the server sends one message per row,
 * the embedded engine one blob for all. A row cut between chunks is carried over (copied once).
 */
export class BinaryCopyReader {
  private pending: Uint8Array | undefined
  private headerDone = false
  private ended = false
  private readonly offsets: Int32Array
  private readonly lengths: Int32Array

  constructor(private readonly fieldCount: number, private readonly onTuple: TupleHandler) {
    this.offsets = new Int32Array(fieldCount)
    this.lengths = new Int32Array(fieldCount)
  }

  push(chunk: Uint8Array): void {
    let bytes = chunk
    if (this.pending !== undefined) {
      bytes = new Uint8Array(this.pending.length + chunk.length)
      bytes.set(this.pending)
      bytes.set(chunk, this.pending.length)
      this.pending = undefined
    }
    let pos = 0
    if (!this.headerDone) {
      if (bytes.length < HEADER_FIXED) return this.keep(bytes, 0)
      for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) throw new Error('not a binary COPY stream')
      const extension = int32At(bytes, SIGNATURE.length + 4)
      if (bytes.length < HEADER_FIXED + extension) return this.keep(bytes, 0)
      pos = HEADER_FIXED + extension
      this.headerDone = true
    }
    const end = bytes.length
    while (pos < end && !this.ended) {
      if (end - pos < 2) return this.keep(bytes, pos)
      const count = int16At(bytes, pos)
      if (count === -1) { this.ended = true; break }
      if (count !== this.fieldCount) throw new Error(`binary COPY row of ${count} fields, expected ${this.fieldCount}`)
      let at = pos + 2
      let complete = true
      for (let f = 0; f < count; f++) {
        if (end - at < 4) { complete = false; break }
        const length = int32At(bytes, at)
        at += 4
        if (length < 0) { this.offsets[f] = -1; this.lengths[f] = 0; continue }
        if (end - at < length) { complete = false; break }
        this.offsets[f] = at
        this.lengths[f] = length
        at += length
      }
      if (!complete) return this.keep(bytes, pos)
      this.onTuple(bytes, this.offsets, this.lengths)
      pos = at
    }
  }

  /** Throws unless the stream ended with its trailer. */
  finish(): void {
    if (!this.ended) throw new Error('binary COPY stream ended early')
  }

  private keep(bytes: Uint8Array, from: number): void {
    this.pending = bytes.slice(from)
  }
}

/** The days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for DATE. */
const PG_EPOCH_DAY = 10_957
const NUMERIC_NAN = 0xc000
const NUMERIC_POS_INF = 0xd000
const NUMERIC_NEG_INF = 0xf000
const NUMERIC_NEG = 0x4000
// 10000^k exactly (10^20 is below 10^22, the largest power of ten a double holds exactly).
const BASE_POWERS = [1, 1e4, 1e8, 1e12, 1e16, 1e20]

/** Big-endian integers (the wire's byte order) read byte by byte: cheaper than a DataView per row. */
export const int32At = (b: Uint8Array, at: number): number =>
  ((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)
export const int16At = (b: Uint8Array, at: number): number => (((b[at] as number) << 24) | ((b[at + 1] as number) << 16)) >> 16
const uint16At = (b: Uint8Array, at: number): number => ((b[at] as number) << 8) | (b[at + 1] as number)

/**
 * A NUMERIC in binary (int16 ndigits, weight, sign, dscale; ndigits base-10000 digits) as the double
 * `numeric::float8` gives: the nearest one. The digits form an integer, exact below 2^53, and one
 * multiplication or division by an exact power of ten rounds once, correctly; anything else goes
 * through the decimal text, which `Number()` also rounds correctly.
 */
export function numericAt(b: Uint8Array, at: number): number {
  const ndigits = int16At(b, at)
  const weight = int16At(b, at + 2)
  const sign = uint16At(b, at + 4)
  if (sign === NUMERIC_NAN) return Number.NaN
  if (sign === NUMERIC_POS_INF) return Number.POSITIVE_INFINITY
  if (sign === NUMERIC_NEG_INF) return Number.NEGATIVE_INFINITY
  let n = 0
  for (let i = 0; i < ndigits; i++) n = n * 10_000 + uint16At(b, at + 8 + 2 * i)
  const exponent = weight - ndigits + 1
  let value: number
  if (n <= Number.MAX_SAFE_INTEGER && exponent >= -5 && exponent <= 5) {
    value = exponent >= 0 ? n * (BASE_POWERS[exponent] as number) : n / (BASE_POWERS[-exponent] as number)
  } else {
    let text = ''
    for (let i = 0; i < ndigits; i++) text += String(uint16At(b, at + 8 + 2 * i)).padStart(4, '0')
    value = Number(`${text}e${4 * exponent}`)
  }
  return sign === NUMERIC_NEG ? -value : value
}

/** An int8 in binary as the nearest double (exact below 2^53 in magnitude). */
export function int8At(b: Uint8Array, at: number): number {
  const value = int32At(b, at) * 4_294_967_296 + (int32At(b, at + 4) >>> 0)
  return Number.isSafeInteger(value) ? value : Number(new DataView(b.buffer, b.byteOffset + at, 8).getBigInt64(0))
}

/** A float8 in binary. */
export function float8At(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset + at, 8).getFloat64(0)
}

/** Element type OIDs of the one-dimensional arrays a panel reads (pg_type). */
export const OID = { date: 1082, numeric: 1700, int8: 20, float8: 701 } as const

/**
 * A one-dimensional array in binary (int32 ndim, flags, element type; per dimension int32 size and
 * lower bound; then per element an int32 length, -1 for NULL, and the element's bytes): its element
 * count and the offset of its first element's length word. Throws on another element type or more
 * than one dimension, which would mean a query that is not the one the caller decodes.
 */
export function arrayAt(b: Uint8Array, at: number, elementType: number): { count: number; first: number } {
  const ndim = int32At(b, at)
  if (ndim === 0) return { count: 0, first: at + 12 }
  const type = int32At(b, at + 8)
  if (ndim !== 1 || type !== elementType) throw new Error(`binary array of ${ndim} dimensions of type ${type}, expected 1 of ${elementType}`)
  return { count: int32At(b, at + 12), first: at + 20 }
}

/** A DATE in binary (days since 2000-01-01) as days since 1970-01-01. */
export const dateAt = (b: Uint8Array, at: number): number => int32At(b, at) + PG_EPOCH_DAY

/**
 * A text literal that means `value` whatever `standard_conforming_strings` says: for statements
 * that take no bound parameters (COPY). Backslashes and quotes are doubled inside `E'…'`.
 */
export function textLiteral(value: string): string {
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}
