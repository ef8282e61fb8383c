import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql } from 'postgres'
import { QuantDbError } from '../../errors.js'
import { toQuantDbError } from '../../errors-map.js'
import * as schema from '../../schema/index.js'
import type { Driver, QueryRunner, QuantDatabase, Row, StatementOptions } from '../types.js'
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
}

/** The pool, who watches its connections, and the server's description for messages. */
interface Core {
  pool: Sql
  watch: ConnectionWatch
  server: string
}

/** The parts of a postgres.js COPY query used here (`reject` is an instance field of its Query). */
interface CopyQuery {
  reject: (error: unknown) => void
  writable(): Promise<NodeJS.WritableStream>
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

async function loadPostgres(): Promise<(url: string, o: Record<string, unknown>) => Sql> {
  try {
    const mod = await import('postgres')
    return mod.default as unknown as (url: string, o: Record<string, unknown>) => Sql
  } catch (error) {
    throw new QuantDbError('configuration', 'Server mode needs the peer dependency postgres (npm install postgres).', { cause: error })
  }
}

async function copyInto(sql: Sql, table: string, columns: readonly string[], csv: string): Promise<void> {
  const cols = columns.map((c) => `"${c}"`).join(', ')
  const copy = sql.unsafe(`COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv)`) as unknown as CopyQuery
  // postgres.js resolves a COPY query with its stream and never settles that stream when the server
  // refuses the data (the stream's final callback waits for a CommandComplete that never comes), so
  // the refusal is caught where it lands: the query's own reject, called after the fact.
  const refused = new Promise<never>((_, reject) => {
    const settle = copy.reject
    copy.reject = (error) => { reject(error); settle(error) }
  })
  refused.catch(() => {}) // a refusal after the race is over has nobody left to tell
  const writable = await copy.writable()
  const sent = pipeline(Readable.from([csv]), writable)
  sent.catch(() => {}) // settles late (or never) after a refusal; the race below has the answer
  await Promise.race([sent, refused])
}

let savepointSeq = 0

class PostgresRunner implements QueryRunner, SessionRunner {
  readonly kind = 'postgres' as const
  readonly db: QuantDatabase

  constructor(protected readonly core: Core, private readonly tx?: Transaction) {
    this.db = drizzlePostgres(this, schema, tx ? undefined : core.pool)
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
    const prepare = options?.prepare === true
    return this.run((sql) => sql.unsafe(text, wireParams(params), { prepare }), params) as Promise<T[]>
  }

  queryArrays(text: string, params: readonly unknown[] = [], options?: StatementOptions): Promise<unknown[][]> {
    const prepare = options?.prepare === true
    return this.run((sql) => sql.unsafe(text, wireParams(params), { prepare }).values(), params) as Promise<unknown[][]>
  }

  statement(text: string, params: readonly unknown[], arrays: boolean, prepare: boolean): Promise<Row[] | unknown[][]> {
    return this.run((sql) => {
      const q = sql.unsafe(text, wireParams(params), { prepare })
      return arrays ? q.values() : q
    }, params) as Promise<Row[] | unknown[][]>
  }

  async exec(text: string): Promise<void> {
    await this.run((sql) => sql.unsafe(text).simple())
  }

  copyCsv(table: string, columns: readonly string[], csv: string): Promise<void> {
    return this.run((sql) => copyInto(sql, table, columns, csv))
  }

  async transaction<T>(fn: (tx: PostgresRunner) => Promise<T>): Promise<T> {
    if (this.tx) return this.savepoint(this.tx, fn)
    const tx = await Transaction.begin(this.core.pool, this.core.watch, this.core.server)
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

/** Connects a postgres.js pool and checks, within `connectTimeout`, that the server answers. */
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
  return new PostgresDriver({ pool, watch, server })
}
