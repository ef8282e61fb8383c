import { getTableColumns, type Column } from 'drizzle-orm'
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core'

// What the hand-written SQL of the hot paths (COPY, staging tables, merges, array reads) needs to know
// about a table's columns, derived once from its drizzle definition: a column added, renamed or
// retyped in src/schema reaches every statement, instead of a list kept by hand going stale.

/** How a column's values travel: what JS value it holds and how a legacy import converts into it. */
export type ColumnKind = 'text' | 'number' | 'boolean' | 'json' | 'date' | 'timestamp'

/** One column of a drizzle table, as the hand-written SQL uses it. */
export interface ColumnInfo {
  /** The drizzle field (camelCase): the key of rows read and written. */
  readonly field: string
  /** The SQL name. */
  readonly name: string
  /** The column's SQL type as drizzle declares it: `varchar(20)`, `numeric(18, 4)`, `timestamp with time zone`. */
  readonly sqlType: string
  /**
   * The type a bound parameter (or an array element, or a `json_to_recordset` field) is given before
   * the INSERT assigns it to the column: the type without length or precision (`text`, `numeric`), so
   * that the assignment refuses an overlong text and rounds a number exactly as a plain INSERT does
   * (a cast to `varchar(20)` would cut the text silently).
   */
  readonly paramType: string
  readonly kind: ColumnKind
  /** The constant default (`'daily'`, `true`), if the column has one; `now()`-like defaults are not constants. */
  readonly constantDefault: unknown
  /** drizzle's column: its `mapFromDriverValue` decodes a value read. */
  readonly column: Column
}

const KIND: Readonly<Record<string, ColumnKind>> = {
  string: 'text', number: 'number', bigint: 'number', boolean: 'boolean', json: 'json', date: 'timestamp',
}

function describe(field: string, column: Column): ColumnInfo {
  const sqlType = column.getSQLType()
  // DATE columns in string mode are 'string' to drizzle: the SQL type tells them from text.
  const kind: ColumnKind = sqlType === 'date' ? 'date' : KIND[column.dataType] ?? 'text'
  const paramType = sqlType.startsWith('varchar') || sqlType.startsWith('char') ? 'text'
    : sqlType.startsWith('numeric') ? 'numeric'
    : sqlType === 'serial' ? 'integer'
    : sqlType === 'bigserial' ? 'bigint'
    : sqlType
  const constant = column.default
  const constantDefault = constant === undefined || typeof constant === 'object' || typeof constant === 'function' ? undefined : constant
  return { field, name: column.name, sqlType, paramType, kind, constantDefault, column }
}

/** A table's columns, in table order, with what the hand-written statements derive from them. */
export class TableColumns<Row extends Record<string, unknown> = Record<string, unknown>> {
  /** The SQL name of the table. */
  readonly table: string
  /** Every column, in the table's order. */
  readonly all: readonly ColumnInfo[]
  /** The SQL names of the primary key, in its order (empty without one). */
  readonly keys: readonly string[]
  private readonly byName = new Map<string, ColumnInfo>()
  private readonly byField = new Map<string, ColumnInfo>()

  constructor(table: PgTable) {
    const config = getTableConfig(table)
    this.table = config.name
    this.all = Object.entries(getTableColumns(table)).map(([field, column]) => describe(field, column as Column))
    for (const c of this.all) {
      this.byName.set(c.name, c)
      this.byField.set(c.field, c)
    }
    const inline = this.all.filter((c) => c.column.primary).map((c) => c.name)
    this.keys = config.primaryKeys[0]?.columns.map((c) => c.name) ?? inline
  }

  /** The SQL names of every column, in table order. */
  get names(): string[] {
    return this.all.map((c) => c.name)
  }

  /** The column of SQL name `name`; throws for a name the table does not have (a stale caller). */
  column(name: string): ColumnInfo {
    const c = this.byName.get(name)
    if (!c) throw new Error(`${this.table} has no column ${name}`)
    return c
  }

  /** The column of drizzle field `field`. */
  ofField(field: keyof Row & string): ColumnInfo {
    const c = this.byField.get(field)
    if (!c) throw new Error(`${this.table} has no field ${field}`)
    return c
  }

  /** The SQL names of the given fields, in the order given. */
  namesOf(fields: readonly (keyof Row & string)[]): string[] {
    return fields.map((f) => this.ofField(f).name)
  }

  /** Column definitions for a staging table: `"ticker" varchar(20), "open" numeric(18, 4)`. */
  ddl(names: readonly string[]): string {
    return names.map((n) => `"${n}" ${this.column(n).sqlType}`).join(', ')
  }

  /** A select or insert list: `"ticker", "region"`, each prefixed with `alias.` when given. */
  list(names: readonly string[], alias?: string): string {
    const prefix = alias === undefined ? '' : `${alias}.`
    return names.map((n) => `${prefix}"${n}"`).join(', ')
  }

  /**
   * A decoder of result rows given as arrays of the `names` columns (in that order) into objects keyed
   * by drizzle field, with each column's own decoder (`mapFromDriverValue`, what drizzle's `select()`
   * applies): the very values `select()` gives. Generated once as one object literal, so every row has
   * one shape and no per-column loop runs per row (a loop building the object took twice as long).
   */
  decoder<T = Row>(names: readonly string[] = this.names): (row: unknown[]) => T {
    const columns = names.map((n) => this.column(n))
    const decode = columns.map((c) => (v: unknown) => c.column.mapFromDriverValue(v))
    const body = columns.map((c, i) => `${JSON.stringify(c.field)}: (v = r[${i}]) === null || v === undefined ? null : d[${i}](v)`)
    // Only field names (JSON-quoted) and indices go into the source: nothing from rows or callers.
    return new Function('d', `return function decode(r) { let v; return { ${body.join(', ')} } }`)(decode) as (row: unknown[]) => T
  }
}

/**
 * The columns of `table`, derived once (callers keep the result at module level).
 * @example `const BAR = tableColumns(ohlcvData); BAR.keys // ['ticker', 'region', 'date', 'timeframe']`
 */
export function tableColumns<T extends PgTable>(table: T): TableColumns<T['$inferSelect'] & Record<string, unknown>> {
  return new TableColumns(table)
}
