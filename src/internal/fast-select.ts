import { Column, getTableColumns, getViewSelectedFields, is } from 'drizzle-orm'
import { PgBigInt53, PgDateString, PgMaterializedView, PgNumericNumber, PgTimestamp, type PgTable } from 'drizzle-orm/pg-core'
import type { QueryRunner } from '../drivers/types.js'
import { toQuantDbError } from '../errors-map.js'
import { parseNumeric, parseTimestamptz } from './pg-text.js'

/**
 * The hot small reads' way to the database (issue 9: the same SQL by hand, prepared, was 1.5-5x
 * faster than drizzle's `select()` on a server). drizzle still writes the statement, once per shape
 * of the call: its text is cached, the parameters are bound per call in the order drizzle put them
 * (checked on the first build), the statement is prepared on the connection (one round trip, no
 * re-parse), and rows come back as arrays decoded by position with the table's own column decoders
 * (`mapFromDriverValue`, what drizzle's row mapper calls), into the same objects `select()` gave.
 */

interface Built { sql: string; params: unknown[] }

/** `source`'s fields and their columns, in drizzle's order (the order rows are decoded by). */
function fieldsOf(source: PgTable | PgMaterializedView): [string, Column][] {
  const fields = is(source, PgMaterializedView) ? getViewSelectedFields(source) : getTableColumns(source as PgTable)
  return Object.entries(fields) as [string, Column][]
}

/**
 * `source`'s columns as a select list in the order `rowDecoder` decodes, each prefixed with `alias.`
 * when given: a hand-written statement that selects these decodes right when the schema changes.
 * @example `const list = selectList(ohlcvDailySummary, 'v') // 'v."day", v."region", …'`
 */
export function selectList(source: PgTable | PgMaterializedView, alias?: string): string {
  const prefix = alias === undefined ? '' : `${alias}.`
  return fieldsOf(source).map(([, column]) => `${prefix}"${column.name}"`).join(', ')
}

/**
 * The expression that decodes `v` (a cell, not null) of `column` as its `mapFromDriverValue` would,
 * inlined for drizzle's own numeric, bigint, date and timestamptz mappers (a call through each
 * column's mapper was a third of a 50-row read's decoding, issue 9); `m` calls the column's mapper.
 */
function decodeExpression(column: Column, v: string, m: string): string | undefined {
  const map = column.mapFromDriverValue
  if (map === Column.prototype.mapFromDriverValue) return undefined // text, varchar: the value itself
  // PgNumericNumber's and PgBigInt53's mappers: a number as is, anything else `Number(v)`, which
  // parseNumeric equals on text (src/internal/pg-text.ts) and which gives a number back unchanged.
  if ((is(column, PgNumericNumber) && map === PgNumericNumber.prototype.mapFromDriverValue)
    || (is(column, PgBigInt53) && map === PgBigInt53.prototype.mapFromDriverValue)) return `typeof ${v} === 'string' ? parseNumeric(${v}) : Number(${v})`
  if (is(column, PgDateString) && map === PgDateString.prototype.mapFromDriverValue) return `typeof ${v} === 'string' ? ${v} : ${m}(${v})`
  // PgTimestamp's mapper is `new Date(text)`: parseTimestamptz gives the same Date (src/internal/pg-text.ts).
  if (is(column, PgTimestamp) && map === PgTimestamp.prototype.mapFromDriverValue && column.withTimezone) {
    return `typeof ${v} === 'string' ? parseTimestamptz(${v}) : ${v}`
  }
  return `${m}(${v})`
}

/**
 * Decodes `select()` rows of `source` given as arrays in its column order (drizzle's order). The
 * decoder is made once per source: a function whose object literal lists every key, so each row is
 * built in one shape, each cell decoded by an expression inlined for drizzle's common mappers and by
 * the column's own `mapFromDriverValue` otherwise (text and varchar columns pass their value through).
 * A generic loop that added the keys one by one and called every column's mapper was most of the
 * fixed cost of a 50-row read (issue 9).
 */
export function rowDecoder<T>(source: PgTable | PgMaterializedView): (row: unknown[]) => T {
  const columns = fieldsOf(source)
  const mappers = columns.map(([, column]) => (v: unknown) => column.mapFromDriverValue(v))
  // Keys and positions only come from the schema (never from data); each key is a JSON string literal.
  const cells = columns.map((_, i) => `c${i} = r[${i}]`).join(', ')
  const body = columns.map(([key, column], i) => {
    const decoded = decodeExpression(column, `c${i}`, `m[${i}]`) ?? `c${i}`
    return `${JSON.stringify(key)}: c${i} === null || c${i} === undefined ? null : ${decoded}`
  }).join(',\n')
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- built once per table from its column names
  const make = new Function('m', 'parseNumeric', 'parseTimestamptz', `return function decodeRow(r) { const ${cells}; return {\n${body}\n} }`)
  return make(mappers, parseNumeric, parseTimestamptz) as (row: unknown[]) => T
}

const NOT_CACHEABLE = Symbol('not cacheable')

/**
 * A statement cache for one read: `shape` names what changes the SQL text (not the values), `build`
 * makes the drizzle query for the given values, `params` lists the values in the order drizzle binds them.
 * @internal
 */
export class CachedRead<T> {
  private readonly texts = new Map<string, string | typeof NOT_CACHEABLE>()
  private readonly decode: (row: unknown[]) => T

  constructor(source: PgTable | PgMaterializedView) {
    this.decode = rowDecoder<T>(source)
  }

  async run(runner: QueryRunner, shape: string, build: () => { toSQL(): Built }, params: readonly unknown[]): Promise<T[]> {
    let text = this.texts.get(shape)
    let bound: readonly unknown[] = params
    if (text === undefined || text === NOT_CACHEABLE) {
      const built = build().toSQL()
      // Cache the text only when drizzle bound exactly the values we would bind ourselves.
      const same = built.params.length === params.length && built.params.every((p, i) => p === params[i])
      if (text === undefined) this.texts.set(shape, same ? built.sql : NOT_CACHEABLE)
      text = built.sql
      bound = built.params
    }
    try {
      const rows = await runner.queryArrays(text, bound, { prepare: true })
      return rows.map(this.decode)
    } catch (error) {
      throw toQuantDbError(error)
    }
  }
}

/**
 * `build(regions)` made once per set of regions (the options of a client): a zod object costs more
 * to build than a small read takes.
 */
export function perRegions<S>(build: (regions: ReadonlySet<string>) => S): (regions: ReadonlySet<string>) => S {
  const cache = new WeakMap<ReadonlySet<string>, S>()
  return (regions) => {
    let s = cache.get(regions)
    if (s === undefined) cache.set(regions, s = build(regions))
    return s
  }
}
