// A drizzle session that runs every statement through our postgres runner instead of talking to
// postgres.js itself, so that every query — the repositories' and the user's own through `qdb.db` —
// (1) fails with a QuantDbError, never drizzle's `Failed query: … params: …` with every bound value,
// and (2) inside a transaction is refused without a write once the connection is gone (see
// transaction.ts). drizzle-orm/postgres-js would call the client directly and wrap errors itself.
import { entityKind } from 'drizzle-orm'
import type { DrizzleBase, RelSchema } from '../rel-schema.js'
import { PgDatabase, PgPreparedQuery, PgSession, PgTransaction } from 'drizzle-orm/pg-core'
import type { PgDialect, PgQueryResultHKT, PgTransactionConfig, PreparedQueryConfig, SelectedFieldsOrdered } from 'drizzle-orm/pg-core'
import { fillPlaceholders, type Query } from 'drizzle-orm/sql'
import { mapResultRow } from '../../internal/drizzle-utils.js'
import type * as schemaModule from '../../schema/index.js'
import type { QuantDatabase, Row } from '../types.js'

/** What the session needs of a runner: statements, and transactions (savepoints when nested). */
export interface SessionRunner {
  /** One statement; rows as objects, or as arrays; `prepare`: as a named prepared statement. */
  statement(text: string, params: readonly unknown[], arrays: boolean, prepare: boolean): Promise<Row[] | unknown[][]>
  transaction<T>(fn: (runner: SessionRunner) => Promise<T>): Promise<T>
}

type Schema = typeof schemaModule

class PostgresPreparedQuery<T extends PreparedQueryConfig> extends PgPreparedQuery<T> {
  static override readonly [entityKind]: string = 'QuantDbPostgresPreparedQuery'

  constructor(
    private readonly runner: SessionRunner,
    private readonly queryString: string,
    private readonly params: unknown[],
    private readonly fields: SelectedFieldsOrdered | undefined,
    private readonly arrayMode: boolean,
    private readonly prepare: boolean,
    private readonly customResultMapper?: (rows: unknown[][]) => T['execute'],
  ) {
    super({ sql: queryString, params }, undefined, undefined)
  }

  async execute(placeholderValues: Record<string, unknown> = {}): Promise<T['execute']> {
    const params = fillPlaceholders(this.params, placeholderValues)
    if (!this.fields && !this.customResultMapper) {
      return this.runner.statement(this.queryString, params, false, this.prepare) as Promise<T['execute']>
    }
    const rows = await this.runner.statement(this.queryString, params, true, this.prepare) as unknown[][]
    if (this.customResultMapper) return this.customResultMapper(rows)
    const { fields } = this
    // joinsNotNullableMap is set by drizzle's query builders on the prepared query (internal field).
    const joins = (this as unknown as { joinsNotNullableMap?: Record<string, boolean> }).joinsNotNullableMap
    return rows.map((row) => mapResultRow(fields!, row, joins)) as T['execute']
  }

  all(placeholderValues: Record<string, unknown> = {}): Promise<T['all']> {
    return this.runner.statement(this.queryString, fillPlaceholders(this.params, placeholderValues), false, this.prepare) as Promise<T['all']>
  }

  /** @internal */
  isResponseInArrayMode(): boolean {
    return this.arrayMode
  }
}

class PostgresSession extends PgSession<PgQueryResultHKT, Schema, RelSchema['schema']> {
  static override readonly [entityKind]: string = 'QuantDbPostgresSession'

  constructor(readonly runner: SessionRunner, dialect: PgDialect, private readonly relSchema: RelSchema) {
    super(dialect)
  }

  prepareQuery<T extends PreparedQueryConfig>(
    query: Query,
    fields: SelectedFieldsOrdered | undefined,
    name: string | undefined,
    isResponseInArrayMode: boolean,
    customResultMapper?: (rows: unknown[][]) => T['execute'],
  ): PgPreparedQuery<T> {
    // As drizzle-orm/postgres-js: a named statement only where the caller named it (.prepare('name')).
    return new PostgresPreparedQuery<T>(this.runner, query.sql, query.params, fields, isResponseInArrayMode, name !== undefined, customResultMapper)
  }

  override transaction<T>(
    fn: (tx: PgTransaction<PgQueryResultHKT, Schema, RelSchema['schema']>) => Promise<T>,
    config?: PgTransactionConfig,
  ): Promise<T> {
    return this.runner.transaction(async (runner) => {
      const tx = new PostgresTransaction(this.dialect, new PostgresSession(runner, this.dialect, this.relSchema), this.relSchema)
      if (config) await tx.setTransaction(config)
      return fn(tx)
    })
  }
}

class PostgresTransaction extends PgTransaction<PgQueryResultHKT, Schema, RelSchema['schema']> {
  static override readonly [entityKind]: string = 'QuantDbPostgresTransaction'

  constructor(private readonly txDialect: PgDialect, private readonly txSession: PostgresSession, private readonly relSchema: RelSchema, nestedIndex = 0) {
    super(txDialect, txSession, relSchema, nestedIndex)
  }

  override transaction<T>(fn: (tx: PgTransaction<PgQueryResultHKT, Schema, RelSchema['schema']>) => Promise<T>): Promise<T> {
    // The runner is inside a transaction, so this is a savepoint.
    return this.txSession.runner.transaction((runner) =>
      fn(new PostgresTransaction(this.txDialect, new PostgresSession(runner, this.txDialect, this.relSchema), this.relSchema, this.nestedIndex + 1)))
  }
}

/**
 * drizzle over a postgres runner (the pool, or one transaction): a new session on the driver's
 * `base` (its dialect and relational schema, built once when the driver opened).
 * @internal
 */
export function drizzlePostgres(runner: SessionRunner, base: DrizzleBase, client?: unknown): QuantDatabase {
  const { dialect, relSchema } = base
  const db = new PgDatabase(dialect, new PostgresSession(runner, dialect, relSchema), relSchema as never)
  // drizzle-orm/postgres-js exposes its client as $client; keep that for code written against it.
  if (client !== undefined) Object.defineProperty(db, '$client', { value: client })
  return db as unknown as QuantDatabase
}
