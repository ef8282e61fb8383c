// Plain-text tables for the terminal: aligned columns, numbers right-aligned, no object dumps.

export type Cell = string | number | boolean | null | undefined | Date | readonly unknown[] | Record<string, unknown>

function text(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value)
  if (Array.isArray(value)) return value.map(text).join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

const width = (s: string): number => [...s].length

/**
 * Rows as an aligned table with a header; `columns` picks and orders the fields (default: the keys
 * of the first row). Empty input gives an empty string: callers say why there is nothing.
 *
 * @example formatTable([{ table: 'tickers', rows: 3 }]) // "table    rows\n-------  ----\ntickers     3\n"
 */
export function formatTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  if (rows.length === 0) return ''
  const cols = columns ?? Object.keys(rows[0]!)
  const cells = rows.map((r) => cols.map((c) => text(r[c])))
  const numeric = cols.map((c) => rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'))
  const widths = cols.map((c, i) => Math.max(width(c), ...cells.map((row) => width(row[i]!))))
  const line = (values: readonly string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd()
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n'
}

/**
 * One object as `key  value` lines (nested objects flattened as `a.b`).
 * @example formatRecord({ mode: 'plain', jobsRun: 0 }) // "mode     plain\njobsRun  0\n"
 */
export function formatRecord(record: Record<string, unknown>): string {
  const pairs: [string, string][] = []
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
      const entries = Object.entries(value)
      if (entries.length === 0) pairs.push([prefix, '(none)'])
      for (const [k, v] of entries) walk(prefix ? `${prefix}.${k}` : k, v)
    } else {
      pairs.push([prefix, Array.isArray(value) && value.length === 0 ? '(none)' : text(value)])
    }
  }
  walk('', record)
  const w = Math.max(...pairs.map(([k]) => width(k)))
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v}`.trimEnd()).join('\n') + '\n'
}

/** Bytes as B / kB / MB / GB (powers of 1024), for sizes in tables. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}
