import { describe, expect, it } from 'vitest'
import { parseNumeric, parseTimestamptz } from '../../src/internal/pg-text.js'

// parseTimestamptz must give exactly what drizzle's decoder gave, `new Date(text)`, for whatever text
// PostgreSQL (or anything else) puts in a TIMESTAMPTZ column: compared value by value, NaN included.
const same = (text: string) => {
  const got = parseTimestamptz(text).getTime()
  const want = new Date(text).getTime()
  expect(Number.isNaN(got) ? 'NaN' : got, text).toEqual(Number.isNaN(want) ? 'NaN' : want)
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

/** A deterministic pseudo-random generator (the same values on every run). */
function lcg(seed: number): () => number {
  let x = seed
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
}

describe('parseTimestamptz (PostgreSQL ISO timestamptz text → Date)', () => {
  it('hand-worked instants: offsets east and west, fractions truncated to milliseconds', () => {
    expect(parseTimestamptz('2024-06-28 10:11:12+00').toISOString()).toBe('2024-06-28T10:11:12.000Z')
    expect(parseTimestamptz('2024-06-28 10:11:12.123456+00').toISOString()).toBe('2024-06-28T10:11:12.123Z')
    expect(parseTimestamptz('2024-06-28 10:11:12.9999+00').toISOString()).toBe('2024-06-28T10:11:12.999Z')
    expect(parseTimestamptz('2024-06-28 10:11:12.5+09').toISOString()).toBe('2024-06-28T01:11:12.500Z')
    expect(parseTimestamptz('2024-06-28 01:00:00+05:30').toISOString()).toBe('2024-06-27T19:30:00.000Z')
    expect(parseTimestamptz('2024-12-31 22:00:00-03').toISOString()).toBe('2025-01-01T01:00:00.000Z')
    expect(parseTimestamptz('1969-12-31 23:59:59.999+00').getTime()).toBe(-1)
  })

  it('edge cases equal new Date: BC, infinity, early years, offsets with seconds, out-of-range fields, other text', () => {
    for (const text of [
      'infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '0001-01-01 00:00:00+00', '0099-12-31 23:59:59+00',
      '0999-01-01 00:00:00+00', '1000-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', '10000-01-01 00:00:00+00',
      '1900-01-01 00:00:00+09:18:59', '1901-12-13 20:45:52+00:00:00', '2024-02-29 12:00:00+00', '2023-02-29 12:00:00+00',
      '2024-02-30 10:11:12+00', '2024-04-31 00:00:00+00', '2024-06-28 24:00:00+00', '2024-06-28 10:60:00+00',
      '2024-06-28 10:11:60+00', '2024-13-01 00:00:00+00', '2024-00-10 00:00:00+00', '2024-06-00 00:00:00+00',
      '2024-06-28 10:11:12+24', '2024-06-28 10:11:12+14:60', '2024-06-28 10:11:12.+00', '2024-06-28 10:11:12+0',
      '2024-06-28 10:11:12+0530', '2024-06-28 10:11:12 +00', '2024-06-28T10:11:12Z', '2024-06-28T10:11:12.5+00:00',
      '2024-06-28 10:11:12', '2024-06-28', '2024-06-28 10:11:12+00 ', ' 2024-06-28 10:11:12+00', '2024-06-28 10:11:12-00',
      '2024-06-28 1a:11:12+00', '2024-06-28 10:11:12.12a+00', '', 'x',
    ]) same(text)
  })

  it('equals new Date on 20,000 generated values (years 1000-9999, every offset form, 0-9 fraction digits)', () => {
    const r = lcg(7)
    const n = (max: number) => Math.floor(r() * max)
    for (let k = 0; k < 20_000; k++) {
      const fraction = n(10) === 0 ? '' : `.${Array.from({ length: 1 + n(9) }, () => n(10)).join('')}`
      const sign = n(2) === 0 ? '+' : '-'
      const offset = `${sign}${pad(n(16), 2)}${n(3) === 0 ? `:${pad(n(4) * 15, 2)}` : ''}`
      same(`${1000 + n(9000)}-${pad(1 + n(12), 2)}-${pad(1 + n(31), 2)} ${pad(n(24), 2)}:${pad(n(60), 2)}:${pad(n(60), 2)}${fraction}${offset}`)
    }
  })

  it('equals new Date on every day from 1900 to 2100 at a random time (month lengths, leap years)', () => {
    const r = lcg(11)
    for (let t = Date.UTC(1900, 0, 1); t < Date.UTC(2100, 0, 1); t += 86_400_000) {
      const d = new Date(t + Math.floor(r() * 86_400_000))
      same(`${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}${Math.floor(r() * 1000)}+00`)
    }
  })
})

// parseNumeric must equal `Number(text)` (drizzle's NUMERIC and BIGINT decoders) bit for bit: -0 and NaN included.
const sameNumber = (text: string) => expect(Object.is(parseNumeric(text), Number(text)), `${text}: ${parseNumeric(text)} vs ${Number(text)}`).toBe(true)

describe('parseNumeric (NUMERIC / BIGINT text → number)', () => {
  it('hand-worked values', () => {
    expect(parseNumeric('96.50')).toBe(96.5)
    expect(parseNumeric('-12.3456')).toBe(-12.3456)
    expect(parseNumeric('0.1')).toBe(0.1)
    expect(parseNumeric('2000')).toBe(2000)
    expect(Object.is(parseNumeric('-0.00'), -0)).toBe(true)
  })

  it('edge cases equal Number: NaN, infinities, 2^53 and beyond, 16+ characters, malformed text', () => {
    for (const text of [
      'NaN', 'Infinity', '-Infinity', '', '-', '.', '-.', '5.', '.5', '-.5', '007', '0', '-0', '1.2.3', '1e5', '+1', ' 1', '1 ',
      '9007199254740991', '9007199254740992', '9007199254740993', '9999999999999999', '-999999999999999', '99999999999999999',
      '123456789012.3456', '-12345678901.2345', '0.000000000000001', '0.0000000000000001', '12345678901234.5', '1234567890123.45',
      '0.1000000000000000', '3.14159265358979', '-0.000000000000000', '1234567890123456', '12345678901234567890.5',
    ]) sameNumber(text)
  })

  it('equals Number on 200,000 generated decimals (1-16 digits, 0-15 after the point, both signs)', () => {
    const r = lcg(3)
    for (let k = 0; k < 200_000; k++) {
      const digits = Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 10)).join('')
      const point = Math.floor(r() * (digits.length + 1))
      const text = (r() < 0.3 ? '-' : '') + (point === digits.length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`)
      sameNumber(text)
    }
  })
})
