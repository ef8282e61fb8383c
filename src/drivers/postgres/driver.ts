import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Sql } from 'postgres'
import { QuantDbError } from '../../errors.js'
import { toQuantDbError } from '../../errors-map.js'
import * as schema from '../../schema/index.js'
import { transactionModes, type Driver, type QueryRunner, type QuantDatabase, type Row, type StatementOptions, type TransactionOptions } from '../types.js'
import { drizzleBase, type DrizzleBase } from '../rel-schema.js'
import { drizzlePostgres, type SessionRunner } from './session.js'
import { openSocket, type SocketDiagnosis, type SocketTarget } from './socket.js'
import { ConnectionWatch, Transaction } from './transaction.js'
import { describeServer, parseServerUrl, redactUrl } from './url.js'

export interface PostgresDriverOptions {
  url: string
  timezone: string
  /** Pool size (default 10). */
  max?: number | undefined
  /** `true`, `'require'`, `'prefer'`, or a `tls.connect` options object. */
  ssl?: boolean | 'require' | 'allow' | 'prefer' | 'verify-full' | Record<string, unknown> | undefined
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number | undefined
  /** Seconds before an idle connection closes (default 30). */
  idleTimeout?: number | undefined
  applicationName?: string | undefined
  /** `false`: no named prepared statements (transaction-mode poolers). Default true. */
  prepare?: boolean | undefined
  /** Seconds before a pooled connection is replaced (default: postgres.js's randomized 30-60 minutes). */
  maxLifetime?: number | undefined
}

/** The pool, who watches its connections, and the server's description for messages. */
interface Core {
  pool: Sql
  watch: ConnectionWatch
  server: string
  /** False behind a transaction pooler (`prepare: false`): no statement is ever prepared by name. */
  prepared: boolean
  /**
   * The caller's own client (`createQuantDb({ client })`): its parsers and serializers are left as
   * they are, so statements go through {@link sharedStatement} instead, and close() does not end it.
   */
  shared?: { restore(): void } | undefined
  /** drizzle's dialect and relational schema, made once for the client; each transaction only adds a session. */
  drizzle: DrizzleBase
}

/** The parts of a postgres.js COPY query used here (`reject` is an instance field of its Query). */
interface CopyQuery {
  reject: (error: unknown) => void
  writable(): Promise<Writable>
}

// drizzle's column mappers turn temporal text into what the schema says; raw results keep it as
// text (see QueryRunner). This is what drizzle-orm/postgres-js installs on a client.
const PASS_THROUGH_TYPES = [1184, 1082, 1083, 1114, 1182, 1185, 1115, 1231]
function installParsers(pool: Sql): void {
  const keep = (v: unknown): unknown => v
  for (const oid of PASS_THROUGH_TYPES) {
    pool.options.parsers[oid] = keep
    pool.options.serializers[oid] = keep
  }
  pool.options.serializers[114] = keep
  pool.options.serializers[3802] = keep
}

// The timestamp serializers above pass values through (drizzle serializes dates itself), so a Date
// bound through raw SQL would reach the wire as an object: send its ISO text.
const wireParams = (params: readonly unknown[]): never[] =>
  params.map((p) => (p instanceof Date ? p.toISOString() : p)) as never[]

// On a caller's client the temporal and JSON serializers are postgres.js's (or the caller's): a date
// string would go through `new Date(x).toISOString()` (a TIMESTAMP shifted by the process's time zone),
// JSON text through JSON.stringify. Text typed `unknown` (OID 705) has no serializer and is resolved
// by the server exactly like an untyped parameter.
const UNKNOWN = 705
const sharedParams = (sql: Sql, params: readonly unknown[]): never[] =>
  params.map((p) => {
    const value = p instanceof Date ? p.toISOString() : p
    return typeof value === 'string' ? sql.typed(value as never, UNKNOWN) : value
  }) as never[]

interface RawColumn { name: string; type: number; parser?: ((text: string) => unknown) & { array?: boolean } }

/** One cell of a `.raw()` row as installParsers would have given it: temporal types as text. */
function decodeCell(cell: Buffer | null, column: RawColumn): unknown {
  if (cell === null) return null
  if (PASS_THROUGH_TYPES.includes(column.type) || column.parser === undefined) return cell.toString('utf8')
  return column.parser.array === true ? column.parser(cell.toString('utf8', 1)) : column.parser(cell.toString('utf8'))
}

/**
 * A statement on a caller's client, read as raw bytes and decoded here: the client's own parsers
 * (a DATE as a JS Date) are neither used for temporal columns nor changed for the caller.
 */
async function sharedStatement(sql: Sql, text: string, params: readonly unknown[], arrays: boolean, prepare: boolean): Promise<Row[] | unknown[][]> {
  const result = await sql.unsafe(text, sharedParams(sql, params), { prepare }).raw()
  const columns = ((result as unknown as { columns?: RawColumn[] }).columns ?? [])
  const rows = result as unknown as (Buffer | null)[][]
  if (arrays) return rows.map((row) => columns.map((c, i) => decodeCell(row[i] ?? null, c)))
  return rows.map((row) => {
    const out: Row = {}
    columns.forEach((c, i) => { out[c.name] = decodeCell(row[i] ?? null, c) })
    return out
  })
}

async function loadPostgres(): Promise<(url: string, o: Record<string, unknown>) => Sql> {
  try {
    const mod = await import('postgres')
    return mod.default as unknown as (url: string, o: Record<string, unknown>) => Sql
  } catch (error) {
    throw new QuantDbError('configuration', 'Server mode needs the peer dependency postgres (npm install postgres).', { cause: error })
  }
}

/**
 * COPY of CSV text, given whole or in chunks. Chunks are produced as the server takes the previous
 * ones (the first while it answers the COPY), so producing them overlaps with the server's work; if
 * producing one throws, the COPY is cancelled (CopyFail: nothing of it is stored) and that error thrown.
 */
async function copyInto(sql: Sql, table: string, columns: readonly string[], csv: string | Iterable<string>,
  options: Record<string, unknown> = {}): Promise<void> {
  const cols = columns.map((c) => `"${c}"`).join(', ')
  const copy = sql.unsafe(`COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv)`, [], options as never) as unknown as CopyQuery
  // postgres.js resolves a COPY query with its stream and never settles that stream when the server
  // refuses the data (the stream's final callback waits for a CommandComplete that never comes), so
  // the refusal is caught where it lands: the query's own reject, called after the fact.
  let refusal: unknown
  const refused = new Promise<never>((_, reject) => {
    const settle = copy.reject
    copy.reject = (error) => { refusal ??= error; reject(error); settle(error) }
  })
  refused.catch(() => {}) // a refusal after the race is over has nobody left to tell
  const opened = copy.writable() // sends the COPY
  opened.catch(() => {})
  const open = async (): Promise<Writable> => {
    const w = await Promise.race([opened, refused]) as unknown as Writable
    w.on('error', () => {}) // postgres.js destroys the stream with the refusal, which the race reports
    return w
  }
  let writable: Writable | undefined
  try {
    for (const chunk of typeof csv === 'string' ? [csv] : csv) {
      writable ??= await open()
      if (!writable.write(chunk)) await Promise.race([once(writable, 'drain'), refused])
    }
    writable ??= await open()
    writable.end()
    await Promise.race([finished(writable), refused])
  } catch (error) {
    if (refusal !== undefined) throw refusal
    // Our side failed (a chunk threw): cancel the COPY, once the server is in it.
    writable ??= await open().catch(() => undefined)
    if (writable) {
      writable.destroy(new Error('COPY cancelled by the client'))
      await refused.catch(() => {}) // the server's answer to the cancel: the connection is free again
    }
    throw error
  }
}

/**
 * `COPY (select) TO STDOUT (FORMAT binary)` through postgres.js's readable stream. An error of
 * `onData` does not stop the stream (a destroyed stream would pause the socket for good): the rest
 * is drained unread and the error rejects once the server has finished.
 */
async function copyOut(sql: Sql, select: string, onData: (chunk: Uint8Array) => void): Promise<void> {
  const stream = await sql.unsafe(`COPY (${select}) TO STDOUT (FORMAT binary)`).readable()
  await new Promise<void>((resolve, reject) => {
    let failure: { error: unknown } | undefined
    stream.on('data', (chunk: Uint8Array) => {
      if (failure !== undefined) return
      try {
        onData(chunk)
      } catch (error) {
        failure = { error }
      }
    })
    stream.on('error', reject)
    stream.on('end', () => {
      // postgres.js pauses the socket when a push finds the stream's buffer full (a row of 16 KB or
      // more, before the first 'data' flows) and resumes it only from the stream's read(): if the
      // COPY ended in that same socket read, nothing would resume it and the pooled connection would
      // wait forever on its next statement. read() is postgres.js's `socket.resume()`: harmless when
      // the socket is not paused.
      ;(stream as unknown as { _read?: (size: number) => void })._read?.(0)
      if (failure === undefined) resolve()
      else reject(failure.error)
    })
  })
}

let savepointSeq = 0

class PostgresRunner implements QueryRunner, SessionRunner {
  readonly kind = 'postgres' as const
  readonly db: QuantDatabase

  constructor(protected readonly core: Core, private readonly tx?: Transaction) {
    this.db = drizzlePostgres(this, core.drizzle, tx ? undefined : core.pool)
  }

  get inTransaction(): boolean {
    return this.tx !== undefined
  }

  /** Every statement goes through here: on the pool, or on the transaction's connection while it lives. */
  private async run<T>(statement: (sql: Sql) => PromiseLike<T>, params?: readonly unknown[]): Promise<T> {
    if (this.tx) return this.tx.run((sql) => Promise.resolve(statement(sql)), params)
    try {
      return await statement(this.core.pool)
    } catch (error) {
      throw toQuantDbError(error, params)
    }
  }

  query<T = Row>(text: string, params: readonly unknown[] = [], options?: StatementOptions): Promise<T[]> {
    return this.statement(text, params, false, options?.prepare === true) as Promise<T[]>
  }

  queryArrays(text: string, params: readonly unknown[] = [], options?: StatementOptions): Promise<unknown[][]> {
    return this.statement(text, params, true, options?.prepare === true) as Promise<unknown[][]>
  }

  statement(text: string, params: readonly unknown[], arrays: boolean, prepare: boolean): Promise<Row[] | unknown[][]> {
    const named = prepare && this.core.prepared
    if (this.core.shared) return this.run((sql) => sharedStatement(sql, text, params, arrays, named), params)
    return this.run((sql) => {
      const q = sql.unsafe(text, wireParams(params), { prepare: named })
      return arrays ? q.values() : q
    }, params) as Promise<Row[] | unknown[][]>
  }

  async exec(text: string): Promise<void> {
    await this.run((sql) => sql.unsafe(text).simple())
  }

  copyCsv(table: string, columns: readonly string[], csv: string | Iterable<string>): Promise<void> {
    if (this.tx) return this.run((sql) => copyInto(sql, table, columns, csv))
    // Outside a transaction: on a connection of its own (see Transaction.alone), committed by itself.
    return Transaction.alone(this.core.pool, this.core.watch, this.core.server, (sql, options) => copyInto(sql as Sql, table, columns, csv, options))
  }

  copyOutBinary(select: string, onData: (chunk: Uint8Array) => void): Promise<void> {
    return this.run((sql) => copyOut(sql, select, onData))
  }

  async transaction<T>(fn: (tx: PostgresRunner) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.tx) return this.savepoint(this.tx, fn)
    const tx = await Transaction.begin(this.core.pool, this.core.watch, this.core.server, transactionModes(options))
    let result: T
    try {
      result = await fn(new PostgresRunner(this.core, tx))
    } catch (error) {
      // The caller's own errors come back untouched; the database's were mapped where they arose.
      await tx.rollback()
      throw error
    }
    await tx.commit()
    return result
  }

  private async savepoint<T>(tx: Transaction, fn: (tx: PostgresRunner) => Promise<T>): Promise<T> {
    const name = `qdb_sp_${++savepointSeq}`
    await this.exec(`SAVEPOINT ${name}`)
    let result: T
    try {
      result = await fn(this)
    } catch (error) {
      if (!tx.lost) await this.exec(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {})
      throw error
    }
    await this.exec(`RELEASE SAVEPOINT ${name}`)
    return result
  }
}

class PostgresDriver extends PostgresRunner implements Driver {
  readonly concurrent = true
  // The wire protocol counts parameters in 16 bits; postgres.js refuses 65,534 and more.
  readonly maxParameters = 65_000
  readonly maxRowsPerStatement = 10_000

  constructor(core: Core) {
    super(core)
  }

  async close(): Promise<void> {
    // A caller's client stays open: the caller owns it. Only our onclose hook comes off.
    if (this.core.shared) return this.core.shared.restore()
    await this.core.pool.end({ timeout: 5 })
  }
}

/** The URL without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    return describeServer(parseServerUrl(url))
  } catch {
    return 'the configured server'
  }
}

/** Resolves with `promise`, or rejects once `seconds` have passed. */
function deadline<T>(promise: Promise<T>, seconds: number, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${seconds}s`), { code: 'CONNECT_TIMEOUT', errno: 'CONNECT_TIMEOUT', address: server })), seconds * 1000)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Connects a postgres.js pool and checks, within `connectTimeout`, that the server answers. @internal */
export async function openPostgres(options: PostgresDriverOptions): Promise<Driver> {
  // Before postgres.js sees the URL: it would throw Node's TypeError, whose `input` is the whole URL.
  const server = describeServer(parseServerUrl(options.url))
  const postgres = await loadPostgres()
  const connectTimeout = options.connectTimeout ?? 10
  if (!(Number.isFinite(connectTimeout) && connectTimeout > 0)) {
    throw new QuantDbError('configuration', `connectTimeout must be a number of seconds above 0, not ${String(connectTimeout)}`)
  }
  const watch = new ConnectionWatch()
  const diagnosis: SocketDiagnosis = {}
  let pool: Sql
  try {
    pool = postgres(options.url, {
      max: options.max ?? 10,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      connect_timeout: connectTimeout,
      socket: (target: SocketTarget) => openSocket(target, connectTimeout, diagnosis),
      idle_timeout: options.idleTimeout ?? 30,
      ...(options.prepare === false ? { prepare: false } : {}),
      ...(options.maxLifetime === undefined ? {} : { max_lifetime: options.maxLifetime }),
      // The session time zone is a startup parameter, so every pooled connection gets it.
      connection: { TimeZone: options.timezone, application_name: options.applicationName ?? 'quant-db' },
      onnotice: () => {},
      onclose: watch.onclose,
    })
  } catch {
    throw new QuantDbError('configuration', `Invalid server URL ${redactUrl(options.url)}`)
  }
  installParsers(pool)
  try {
    // postgres.js's own timers leave gaps (a connection closed during startup is retried at once, for
    // ever); this deadline is what makes the promise of `connectTimeout` hold.
    await deadline(Promise.resolve(pool.unsafe('SELECT 1')), connectTimeout + 0.5, server)
  } catch (error) {
    await pool.end({ timeout: 0 }).catch(() => {})
    // The server's own refusal (a password, a database) says most; otherwise what the socket saw.
    const source = (error as Error | undefined)?.name === 'PostgresError' ? error : diagnosis.lastFailure ?? error
    const mapped = toQuantDbError(source)
    throw new QuantDbError(mapped.reason === 'query' ? 'connection' : mapped.reason,
      `Cannot connect to PostgreSQL at ${server}: ${mapped.message}`, { code: mapped.code, cause: mapped.cause })
  }
  return new PostgresDriver({ pool, watch, server, prepared: options.prepare !== false, drizzle: drizzleBase(schema) })
}

/** The parts of a caller's postgres.js client's parsed options read here. */
interface ClientOptions {
  prepare?: boolean
  onclose?: ((id: number) => void) | undefined
  transform?: { column?: { from?: unknown }; value?: { from?: unknown }; row?: { from?: unknown } }
  host?: readonly string[]
  port?: readonly number[]
  database?: string
}

/**
 * Uses a postgres.js client the caller made (`createQuantDb({ client })`), without changing how it
 * parses or serializes for the caller. What the library cannot add to an existing client, it does
 * not: its socket hook (connectTimeout diagnosis), pool size, time zone, application name and
 * lifetimes are the client's own. The transaction guard needs postgres.js's `onclose` option, which
 * postgres.js reads at each close: ours is chained in front of the caller's and taken out at close().
 * @internal
 */
export async function openPostgresClient(client: Sql): Promise<Driver> {
  const options = (client as unknown as { options?: ClientOptions }).options
  if (typeof (client as unknown as { unsafe?: unknown }).unsafe !== 'function' || options === undefined) {
    throw new QuantDbError('configuration', 'client must be a postgres.js client, as made by postgres(url, options).')
  }
  const t = options.transform
  if (t?.column?.from || t?.value?.from || t?.row?.from) {
    throw new QuantDbError('configuration',
      'client has a result transform (e.g. postgres.camel): the library reads rows by column name, so pass a client without `transform`.')
  }
  const server = `${options.host?.[0] ?? 'localhost'}:${options.port?.[0] ?? 5432}/${options.database ?? ''}`
  const watch = new ConnectionWatch()
  const previous = options.onclose
  const hook = (id: number): void => { watch.onclose(id); previous?.(id) }
  options.onclose = hook
  const restore = (): void => { if (options.onclose === hook) options.onclose = previous }
  try {
    await client.unsafe('SELECT 1')
  } catch (error) {
    restore()
    const mapped = toQuantDbError(error)
    throw new QuantDbError(mapped.reason === 'query' ? 'connection' : mapped.reason,
      `Cannot use the given client (${server}): ${mapped.message}`, { code: mapped.code, cause: mapped.cause })
  }
  return new PostgresDriver({ pool: client, watch, server, prepared: options.prepare !== false, shared: { restore }, drizzle: drizzleBase(schema) })
}
