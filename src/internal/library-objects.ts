import { getTableName, is, Table } from 'drizzle-orm'
import { getMaterializedViewConfig, getViewConfig, PgMaterializedView, PgView } from 'drizzle-orm/pg-core'
import * as schema from '../schema/index.js'

/**
 * What the custom migrations create besides the schema's tables and views (drizzle/000N_*.sql):
 * functions, and plain mode's bookkeeping table. test/integration/library-objects.test.ts checks this
 * list against the catalog of a migrated database on every target, so it cannot fall behind.
 */
const MIGRATION_OBJECTS = [
  'ohlcv_daily_summary_stale', 'ohlcv_daily_summary_mark_stale', 'ohlcv_daily_summary_read',
  'ohlcv_daily_summary_writes', // plain mode: the days written since the view's last refresh (0003)
] as const

let names: ReadonlySet<string> | undefined

/** The names (unqualified) of every table, view and function `qdb.migrate()` creates in `public`. */
export function libraryObjectNames(): ReadonlySet<string> {
  if (names) return names
  const found = new Set<string>(MIGRATION_OBJECTS)
  for (const value of Object.values(schema)) {
    if (is(value, Table)) found.add(getTableName(value))
    else if (is(value, PgMaterializedView)) found.add(getMaterializedViewConfig(value).name)
    else if (is(value, PgView)) found.add(getViewConfig(value).name)
  }
  return (names = found)
}

// PostgreSQL's messages for undefined_table (42P01) and undefined_function (42883):
// 'relation "public.ohlcv_data" does not exist', 'function ohlcv_daily_summary_read(unknown, date) does not exist'
// (PGlite's and the servers' alike: both are PostgreSQL's own text).
const MISSING = /^(?:relation|function) "?(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)/

/**
 * The hint for a server error about a missing object that `qdb.migrate()` creates (a database never
 * migrated, or migrated by an older version of the library), or undefined for any other error.
 * @example `missingObjectHint('42P01', 'relation "ohlcv_data" does not exist') // 'ohlcv_data is created by qdb.migrate() …'`
 */
export function missingObjectHint(code: string | undefined, message: string): string | undefined {
  if (code !== '42P01' && code !== '42883') return undefined
  const name = MISSING.exec(message)?.[1]
  if (name === undefined || !libraryObjectNames().has(name)) return undefined
  return `${name} is created by qdb.migrate() (CLI: quant-db migrate): is this database migrated with this version of @quant/db?`
}
