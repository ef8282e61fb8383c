import { isIsoDate } from '../../validation/rules.js'
import type { SqliteValue } from './reader.js'

/** What a target column takes, and so how a legacy SQLite value is converted for it. */
export type ColumnKind = 'text' | 'number' | 'boolean' | 'json' | 'date' | 'timestamp'

/** A legacy value that cannot be converted without guessing: the row is rejected with this reason. */
export class Unconvertible extends Error {}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/
const SECONDS_PER_DAY = 86_400
// The Julian day of 1970-01-01T00:00Z: SQLite's REAL dates count days from noon, 24 November 4714 BC.
const UNIX_EPOCH_JULIAN_DAY = 2_440_587.5

function describe(value: SqliteValue): string {
  if (value instanceof Uint8Array) return `a ${value.byteLength}-byte BLOB`
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value)
  return `${typeof value === 'string' ? 'text' : 'number'} ${text}`
}

function asNumber(value: SqliteValue): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Unconvertible(`integer ${value} is beyond a safe JavaScript number`)
    }
    return Number(value)
  }
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim())
  throw new Unconvertible(`expected a number, found ${describe(value)}`)
}

/** Seconds since 1970 (SQLite's INTEGER dates) or a Julian day (its REAL dates), as milliseconds. */
function numericTime(value: number | bigint): number {
  if (typeof value === 'bigint' || Number.isInteger(value)) {
    const seconds = Number(value)
    // Milliseconds (13 digits) would read as a date tens of thousands of years away: refuse, do not guess.
    if (Math.abs(seconds) >= 1e11) throw new Unconvertible(`integer ${value} is not a Unix time in seconds`)
    return seconds * 1000
  }
  if (value < 1_721_425.5 || value > 5_373_484.5) throw new Unconvertible(`real ${value} is not a Julian day number`)
  return Math.round((value - UNIX_EPOCH_JULIAN_DAY) * SECONDS_PER_DAY * 1000)
}

/**
 * A DATE. Text 'YYYY-MM-DD' (a time part after it is dropped: the day is the one written); an
 * INTEGER Unix time or a REAL Julian day only when it falls on midnight UTC, since any other instant
 * is a different day in Seoul and in New York.
 */
function toDate(value: SqliteValue): string {
  if (typeof value === 'string') {
    const m = DATE_TIME.exec(value.trim())
    if (m && isIsoDate(m[1]!)) return m[1]!
    throw new Unconvertible(`expected a date 'YYYY-MM-DD', found ${describe(value)}`)
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const ms = numericTime(value)
    if (ms % (SECONDS_PER_DAY * 1000) !== 0) {
      throw new Unconvertible(`${describe(value)} is not midnight UTC: which day it means depends on a time zone`)
    }
    return new Date(ms).toISOString().slice(0, 10)
  }
  throw new Unconvertible(`expected a date, found ${describe(value)}`)
}

/** A TIMESTAMPTZ. Text without an offset is UTC, as SQLite's own `CURRENT_TIMESTAMP` and `datetime()` write it. */
function toTimestamp(value: SqliteValue): Date {
  if (typeof value === 'string') {
    const m = DATE_TIME.exec(value.trim())
    if (m && isIsoDate(m[1]!)) {
      const [, day, hh = '00', mm = '00', ss = '00', zone] = m
      const offset = zone === undefined || zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`
      const fraction = /\.\d+/.exec(value)?.[0] ?? ''
      const date = new Date(`${day}T${hh}:${mm}:${ss}${fraction}${offset}`)
      if (!Number.isNaN(date.getTime())) return date
    }
    throw new Unconvertible(`expected a timestamp 'YYYY-MM-DD HH:MM:SS', found ${describe(value)}`)
  }
  if (typeof value === 'number' || typeof value === 'bigint') return new Date(numericTime(value))
  throw new Unconvertible(`expected a timestamp, found ${describe(value)}`)
}

function toBoolean(value: SqliteValue): boolean {
  if (value === 1 || value === 1n) return true
  if (value === 0 || value === 0n) return false
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase()
    if (v === '1' || v === 'true') return true
    if (v === '0' || v === 'false') return false
  }
  throw new Unconvertible(`expected a boolean (1/0, true/false), found ${describe(value)}`)
}

function toJson(value: SqliteValue): unknown {
  if (typeof value !== 'string') throw new Unconvertible(`expected JSON text, found ${describe(value)}`)
  try {
    return JSON.parse(value)
  } catch {
    throw new Unconvertible(`expected JSON text, found ${describe(value)} that does not parse`)
  }
}

function toText(value: SqliteValue): string {
  if (typeof value === 'string') return value
  // A code stored as a number has lost what made it text (005930 became 5930): refuse, do not guess.
  throw new Unconvertible(`expected text, found ${describe(value)}`)
}

/**
 * Converts one legacy value for a column of `kind`; NULL stays NULL (the repository's validation
 * decides whether NULL is allowed). Throws {@link Unconvertible} where only a guess could convert it.
 *
 * @example `convert('date', 1704067200) // '2024-01-01' (Unix seconds at midnight UTC)`
 */
export function convert(kind: ColumnKind, value: SqliteValue): unknown {
  if (value === null) return null
  switch (kind) {
    case 'text': return toText(value)
    case 'number': return asNumber(value)
    case 'boolean': return toBoolean(value)
    case 'json': return toJson(value)
    case 'date': return toDate(value)
    case 'timestamp': return toTimestamp(value)
  }
}
