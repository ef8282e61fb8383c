// Array parameters and array results, the same on both drivers: parameters go as PostgreSQL array
// literals (text the SQL casts, e.g. `$1::text[]`), results come back as JS arrays of numbers.

/** A PostgreSQL array literal: `{1.5,NULL,"A B"}`. Strings are always quoted, so any content is safe. */
export function arrayLiteral(values: readonly unknown[]): string {
  const items = new Array<string>(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null || v === undefined) items[i] = 'NULL'
    else if (typeof v === 'number') items[i] = String(v)
    else items[i] = `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
  }
  return `{${items.join(',')}}`
}

/** A float8[] result as a Float64Array; SQL NULL elements become NaN. */
export function toFloat64(value: unknown): Float64Array {
  const list = (value ?? []) as ArrayLike<number | string | null>
  const out = new Float64Array(list.length)
  for (let i = 0; i < list.length; i++) {
    const v = list[i]
    out[i] = v === null || v === undefined ? Number.NaN : Number(v)
  }
  return out
}

/** An int4[] result (days since 1970-01-01) as an Int32Array. */
export function toInt32(value: unknown): Int32Array {
  const list = (value ?? []) as ArrayLike<number | string>
  const out = new Int32Array(list.length)
  for (let i = 0; i < list.length; i++) out[i] = Number(list[i])
  return out
}

const DAY_MS = 86_400_000

/** Days since 1970-01-01 → 'YYYY-MM-DD'. */
export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** 'YYYY-MM-DD' → days since 1970-01-01. */
export function isoToDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS)
}

/** SQL for a DATE column as days since 1970-01-01 (an int, which both drivers parse as a number). */
export const epochDay = (column: string): string => `(${column} - DATE '1970-01-01')`
