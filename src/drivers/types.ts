import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import type * as schema from '../schema/index.js'

/** The drizzle database of either driver, typed with the full schema. */
export type QuantDatabase = PgDatabase<PgQueryResultHKT, typeof schema>

/** Which driver a database runs on: embedded PGlite, or postgres.js against a server. */
export type DriverKind = 'embedded' | 'postgres'

/**
 * Options of a transaction, as drizzle names them: `qdb.transaction(fn, { isolationLevel: 'serializable' })`.
 * PostgreSQL's default is `read committed`, `read write`.
 */
export interface TransactionOptions {
  /**
   * PostgreSQL's isolation level for the transaction; default `read committed`. Ignored by a nested transaction
   * (a savepoint).
   */
  isolationLevel?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable' | undefined
  /** `read only` refuses every write in the transaction; default `read write`. */
  accessMode?: 'read only' | 'read write' | undefined
}

/** The SQL of validated transaction options, e.g. ' ISOLATION LEVEL SERIALIZABLE READ ONLY' ('' for none). @internal */
export function transactionModes(options: TransactionOptions | undefined): string {
  if (!options) return ''
  const modes: string[] = []
  if (options.isolationLevel !== undefined) modes.push(`ISOLATION LEVEL ${options.isolationLevel.toUpperCase()}`)
  if (options.accessMode !== undefined) modes.push(options.accessMode.toUpperCase())
  return modes.length === 0 ? '' : ` ${modes.join(' ')}`
}

/** A raw row of `qdb.query`: column name → value. */
export type Row = Record<string, unknown>

/** How a driver may run one statement. */
export interface StatementOptions {
  /**
   * Keep it as a named prepared statement on the connection (server): later calls skip the parse
   * and the describe round trip, and PostgreSQL may reuse a plan. For the library's fixed hot read
   * statements only (one text, parameters bound), never for text built per call. Embedded: ignored.
   */
  prepare?: boolean | undefined
}

/**
 * The small interface every driver implements, and what the repositories are written against.
 * A runner is either the whole database or one transaction; `db` is drizzle bound to the same scope.
 * Raw results come back unparsed where parsing would lose information: DATE, TIMESTAMP(TZ) and
 * NUMERIC as strings, BIGINT as string or number (callers convert).
 * @internal
 */
export interface QueryRunner {
  readonly kind: DriverKind
  readonly db: QuantDatabase
  readonly inTransaction: boolean
  /** One statement with `$1`-style parameters; rows as objects. */
  query<T = Row>(text: string, params?: readonly unknown[], options?: StatementOptions): Promise<T[]>
  /** One statement; rows as arrays in select-list order (no object per row). */
  queryArrays(text: string, params?: readonly unknown[], options?: StatementOptions): Promise<unknown[][]>
  /** Several statements, no parameters. */
  exec(text: string): Promise<void>
  /**
   * `COPY table (columns) FROM STDIN` with CSV text (no header, NULL as empty unquoted field). The text
   * may come in chunks, produced as the server takes them; if producing one throws, the COPY is
   * cancelled (nothing of it stored) and that error is thrown.
   */
  copyCsv(table: string, columns: readonly string[], csv: string | Iterable<string>): Promise<void>
  /** Runs `fn` in a transaction; inside one, in a savepoint. Rolls back when `fn` throws. `options` only for a new transaction. */
  transaction<T>(fn: (tx: QueryRunner) => Promise<T>, options?: TransactionOptions): Promise<T>
}

/** A connected database: a root runner that can be closed. @internal */
export interface Driver extends QueryRunner {
  close(): Promise<void>
  /** True where statements can run concurrently on separate connections (a server pool). */
  readonly concurrent: boolean
  /** Largest number of bound parameters this driver takes in one statement. */
  readonly maxParameters: number
  /** Rows per multi-row statement the engine handles comfortably. */
  readonly maxRowsPerStatement: number
  /** Embedded only: the data directory as a tarball. */
  dumpDataDir?(compression?: 'gzip' | 'auto' | 'none'): Promise<Blob>
}
