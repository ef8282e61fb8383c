import { describe, expect, it } from 'vitest'
import { arrayAt, BinaryCopyReader, dateAt, int32At, int8At, numericAt, OID, textLiteral } from '../../src/internal/pg-binary.js'

// Bytes of PostgreSQL's binary COPY and send formats, written out by hand (docs: COPY "Binary Format",
// numeric_send, date_send, int8send).
const i16 = (v: number) => [(v >> 8) & 0xff, v & 0xff]
const i32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
const field = (bytes: number[]) => [...i32(bytes.length), ...bytes]
// 12345.6789 = 1|2345|6789 in base 10000, weight 1 (the first digit counts 10000^1), dscale 4.
const NUM_12345_6789 = [...i16(3), ...i16(1), ...i16(0), ...i16(4), ...i16(1), ...i16(2345), ...i16(6789)]
// -0.0001 = one digit 1 at weight -1 (10000^-1), sign 0x4000.
const NUM_MINUS_0_0001 = [...i16(1), ...i16(-1), ...i16(0x4000), ...i16(4), ...i16(1)]
// 2024-03-04 is 8,829 days after 2000-01-01 (24 years of 365 days + 6 leap days = 8,766, + 31 + 29 + 3).
const DATE_2024_03_04 = i32(8_829)
const INT8_5_000_000_000 = [...i32(1), ...i32(705_032_704)] // 1 * 2^32 + 705,032,704

const stream = Uint8Array.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, ...i32(0), ...i32(0),
  ...i16(3), ...field(DATE_2024_03_04), ...field(NUM_12345_6789), ...field(INT8_5_000_000_000),
  ...i16(3), ...field(DATE_2024_03_04), ...field(NUM_MINUS_0_0001), ...i32(-1),
  ...i16(-1),
])

describe('binary COPY reading', () => {
  it('decodes dates, NUMERIC and int8 as the server means them, however the stream is cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const rows: unknown[][] = []
      const reader = new BinaryCopyReader(3, (bytes, at, length) => {
        rows.push([new Date(dateAt(bytes, at[0]!) * 86_400_000).toISOString().slice(0, 10), numericAt(bytes, at[1]!),
          at[2]! < 0 ? null : int8At(bytes, at[2]!), length[1]])
      })
      reader.push(stream.subarray(0, cut))
      reader.push(stream.subarray(cut))
      reader.finish()
      expect(rows).toEqual([['2024-03-04', 12345.6789, 5_000_000_000, 14], ['2024-03-04', -0.0001, null, 10]])
    }
  })

  it('refuses a stream that ends before its trailer', () => {
    const reader = new BinaryCopyReader(3, () => {})
    reader.push(stream.subarray(0, stream.length - 2))
    expect(() => reader.finish()).toThrow(/ended early/)
  })

  it('reads a one-dimensional array (array_send): its count, elements and NULLs', () => {
    // numeric[] {12345.6789, NULL, -0.0001}: ndim 1, flags 1 (has NULLs), element type 1700, size 3, lower bound 1.
    const array = Uint8Array.from([0xee, ...i32(1), ...i32(1), ...i32(1700), ...i32(3), ...i32(1),
      ...field(NUM_12345_6789), ...i32(-1), ...field(NUM_MINUS_0_0001)])
    const { count, first } = arrayAt(array, 1, OID.numeric)
    expect(count).toBe(3)
    const values: (number | null)[] = []
    for (let i = 0, p = first; i < count; i++) {
      const size = int32At(array, p)
      p += 4
      values.push(size < 0 ? null : numericAt(array, p))
      if (size > 0) p += size
    }
    expect(values).toEqual([12345.6789, null, -0.0001])
    // Another element type or a second dimension is not what the caller decodes.
    expect(() => arrayAt(array, 1, OID.date)).toThrow(/type 1700, expected 1 of 1082/)
    const twoDims = Uint8Array.from([...i32(2), ...i32(0), ...i32(1082), ...i32(1), ...i32(1), ...i32(1), ...i32(1), ...field(DATE_2024_03_04)])
    expect(() => arrayAt(twoDims, 0, OID.date)).toThrow(/2 dimensions/)
    // An empty array has no dimensions.
    expect(arrayAt(Uint8Array.from([...i32(0), ...i32(0), ...i32(1082)]), 0, OID.date).count).toBe(0)
  })

  it('writes text literals that mean the value whatever the server settings', () => {
    expect(textLiteral("O'Neil\\x")).toBe("E'O''Neil\\\\x'")
  })
})
