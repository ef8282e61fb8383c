// drizzle's relational view of the schema, shared by both drivers' sessions. Extracting it walks
// every table and relation, so it is built once per schema object, not once per transaction.
import { createTableRelationsHelpers, extractTablesRelationalConfig } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type * as schemaModule from '../schema/index.js'

/** What drizzle's PgDatabase and sessions take as the relational schema. */
export interface RelSchema {
  fullSchema: Record<string, unknown>
  schema: ReturnType<typeof extractTablesRelationalConfig>['tables']
  tableNamesMap: Record<string, string>
}

const cache = new WeakMap<typeof schemaModule, RelSchema>()

/** The relational schema of `schema`, built on first use and cached. */
export function relSchemaOf(schema: typeof schemaModule): RelSchema {
  let rel = cache.get(schema)
  if (!rel) {
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers)
    rel = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap }
    cache.set(schema, rel)
  }
  return rel
}

/**
 * What every drizzle database of one client shares: the dialect (which builds SQL text, and keeps
 * per-dialect state such as its casing cache) and the relational schema. Made once when a driver
 * opens; each transaction then only makes a light session (and drizzle's database facade) over it.
 * @internal
 */
export interface DrizzleBase {
  readonly dialect: PgDialect
  readonly relSchema: RelSchema
}

/** A new dialect over the (cached) relational schema of `schema`, for one driver. @internal */
export function drizzleBase(schema: typeof schemaModule): DrizzleBase {
  return { dialect: new PgDialect(), relSchema: relSchemaOf(schema) }
}
