// A drizzle session over a PGlite client. drizzle-orm/pglite would import '@electric-sql/pglite'
// statically, while the TimescaleDB build of PGlite is published under another name; this session
// talks to whatever PGlite-shaped client it is given, so the only engine loaded is the one we chose.
import { entityKind } from 'drizzle-orm'
import type { Logger } from 'drizzle-orm'
import { NoopLogger } from 'drizzle-orm'
import { PgDatabase, PgPreparedQuery, PgSession, PgTransaction } from 'drizzle-orm/pg-core'
import type { PgDialect, PgQueryResultHKT, PgTransactionConfig, PreparedQueryConfig, SelectedFieldsOrdered } from 'drizzle-orm/pg-core'
import { fillPlaceholders, sql, type Query } from 'drizzle-orm/sql'
import type { DrizzleBase, RelSchema } from '../rel-schema.js'
import { isDatabaseError, toQuantDbError } from '../../errors-map.js'
import { mapResultRow } from '../../internal/drizzle-utils.js'
import type * as schemaModule from '../../schema/index.js'
import type { QuantDatabase } from '../types.js'

/** The part of PGlite (and of a PGlite transaction) the session uses. */
export interface PgliteLike {
  query<T>(text: string, params?: unknown[], options?: Record<string, unknown>): Promise<{ rows: T[]; affectedRows?: number }>
  transaction?<T>(fn: (tx: PgliteLike) => Promise<T>): Promise<T>
}

// Keep temporal values as text: drizzle's column mappers turn them into what the schema says.
const OID = { DATE: 1082, TIMESTAMP: 1114, TIMESTAMPTZ: 1184, INTERVAL: 1186 }
const keepText = (v: string): string => v
const PARSERS = {
  [OID.DATE]: keepText, [OID.TIMESTAMP]: keepText, [OID.TIMESTAMPTZ]: keepText, [OID.INTERVAL]: keepText,
  1231: keepText, 1115: keepText, 1185: keepText, 1187: keepText, 1182: keepText,
}
export const rawQueryOptions = { rowMode: 'object', parsers: PARSERS } as const
export const arrayQueryOptions = { rowMode: 'array', parsers: PARSERS } as const


class EmbeddedPreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  static override readonly [entityKind]: string = 'QuantDbEmbeddedPreparedQuery'

  constructor(
    private readonly client: PgliteLike,
    private readonly queryString: string,
    private readonly params: unknown[],
    private readonly logger: Logger,
    private readonly fields: SelectedFieldsOrdered | undefined,
    private readonly arrayMode: boolean,
    private readonly customResultMapper?: (rows: unknown[][]) => T['execute'],
  ) {
    super({ sql: queryString, params }, undefined, undefined)
  }

  /** The statement on PGlite; what PGlite throws becomes a QuantDbError without the bound values. */
  private async run<R>(params: unknown[], options: typeof rawQueryOptions | typeof arrayQueryOptions): Promise<{ rows: R[] }> {
    try {
      return await this.client.query<R>(this.queryString, params, options)
    } catch (error) {
      throw toQuantDbError(error, params)
    }
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    const params = fillPlaceholders(this.params, placeholderValues)
    this.logger.logQuery(this.queryString, params)
    if (!this.fields && !this.customResultMapper) {
      return this.run(params, rawQueryOptions) as Promise<T['execute']>
    }
    const result = await this.run<unknown[]>(params, arrayQueryOptions)
    if (this.customResultMapper) return this.customResultMapper(result.rows)
    const { fields } = this
    // joinsNotNullableMap is set by drizzle's query builders on the prepared query (internal field).
    const joins = (this as unknown as { joinsNotNullableMap?: Record<string, boolean> }).joinsNotNullableMap
    return result.rows.map((row) => mapResultRow(fields!, row, joins)) as T['execute']
  }

  async all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    const params = fillPlaceholders(this.params, placeholderValues)
    this.logger.logQuery(this.queryString, params)
    const result = await this.run(params, rawQueryOptions)
    return result.rows as T['all']
  }

  /** @internal */
  isResponseInArrayMode(): boolean {
    return this.arrayMode
  }
}

class EmbeddedSession extends PgSession<PgQueryResultHKT, typeof schemaModule, RelSchema['schema']> {
  static override readonly [entityKind]: string = 'QuantDbEmbeddedSession'

  constructor(
    readonly client: PgliteLike,
    dialect: PgDialect,
    private readonly relSchema: RelSchema | undefined,
    private readonly logger: Logger,
    private readonly nested: boolean,
  ) {
    super(dialect)
  }

  prepareQuery<T extends PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    _name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => T['execute'],
  ): PgPreparedQuery<T> {
    return new EmbeddedPreparedQuery<T>(
      this.client, query.sql, query.params, this.logger, fields, isResponseInArrayMode, customResultMapper,
    )
  }

  override async transaction<T>(
    fn: (tx: PgTransaction<PgQueryResultHKT, typeof schemaModule, RelSchema['schema']>) => Promise<T>,
    config?: PgTransactionConfig,
  ): Promise<T> {
    if (this.nested || !this.client.transaction) {
      // Already inside a PGlite transaction: a savepoint keeps the outer one intact.
      const tx = new EmbeddedTransaction(this.dialect, this, this.relSchema, 1)
      return tx.inSavepoint(fn)
    }
    try {
      return await this.client.transaction(async (client) => {
        const session = new EmbeddedSession(client, this.dialect, this.relSchema, this.logger, true)
        const tx = new EmbeddedTransaction(this.dialect, session, this.relSchema)
        if (config) await tx.setTransaction(config)
        return fn(tx)
      })
    } catch (error) {
      // PGlite's own BEGIN/COMMIT failures are mapped; the callback's errors come back untouched.
      throw isDatabaseError(error) ? toQuantDbError(error) : error
    }
  }
}

class EmbeddedTransaction extends PgTransaction<PgQueryResultHKT, typeof schemaModule, RelSchema['schema']> {
  static override readonly [entityKind]: string = 'QuantDbEmbeddedTransaction'

  constructor(
    private readonly txDialect: PgDialect,
    private readonly txSession: EmbeddedSession,
    private readonly relSchema: RelSchema | undefined,
    nestedIndex = 0,
  ) {
    super(txDialect, txSession, relSchema, nestedIndex)
  }

  async inSavepoint<T>(fn: (tx: EmbeddedTransaction) => Promise<T>): Promise<T> {
    const name = `sp${this.nestedIndex + 1}`
    await this.execute(sql.raw(`savepoint ${name}`))
    try {
      const result = await fn(this)
      await this.execute(sql.raw(`release savepoint ${name}`))
      return result
    } catch (err) {
      await this.execute(sql.raw(`rollback to savepoint ${name}`))
      throw err
    }
  }

  override async transaction<T>(fn: (tx: PgTransaction<PgQueryResultHKT, typeof schemaModule, RelSchema['schema']>) => Promise<T>): Promise<T> {
    const tx = new EmbeddedTransaction(this.txDialect, this.txSession, this.relSchema, this.nestedIndex + 1)
    return tx.inSavepoint(fn)
  }
}

/**
 * drizzle over a PGlite client (or a PGlite transaction, with `nested`): a new session on the
 * driver's `base` (its dialect and relational schema, built once when the driver opened).
 * @internal
 */
export function drizzleEmbedded(
  client: PgliteLike,
  base: DrizzleBase,
  options: { logger?: Logger; nested?: boolean } = {},
): QuantDatabase {
  const { dialect, relSchema } = base
  const session = new EmbeddedSession(client, dialect, relSchema, options.logger ?? new NoopLogger(), options.nested ?? false)
  return new PgDatabase(dialect, session, relSchema as never) as unknown as QuantDatabase
}
