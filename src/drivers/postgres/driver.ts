import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql, TransactionSql } from 'postgres'
import { QuantDbError } from '../../errors.js'
import { isDatabaseError, toQuantDbError } from '../../errors-map.js'
import * as schema from '../../schema/index.js'
import type { Driver, QueryRunner, QuantDatabase, Row } from '../types.js'
import { openSocket, type SocketTarget } from './socket.js'

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
  /** `false` for transaction poolers (PgBouncer): unnamed statements only (default true). */
  prepare?: boolean | undefined
}

type AnySql = Sql | TransactionSql

/** The parts of a postgres.js COPY query used here (`reject` is an instance field of its Query). */
interface CopyQuery {
  reject: (error: unknown) => void
  writable(): Promise<NodeJS.WritableStream>
}

// drizzle replaces the pool's timestamp serializers with pass-through ones (it serializes dates
// itself), so a Date bound through raw SQL would reach the wire as an object: send its ISO text.
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

async function drizzleFor(client: AnySql, pool?: Sql): Promise<QuantDatabase> {
  const { drizzle } = await import('drizzle-orm/postgres-js')
  // drizzle installs its type parsers on client.options; a transaction's sql has none of its own
  // but shares the pool's connections (whose parsers drizzle already set), so lend it the pool's.
  if (pool && !(client as { options?: unknown }).options) {
    Object.defineProperty(client, 'options', { value: pool.options })
  }
  return drizzle({ client: client as Sql, schema }) as unknown as QuantDatabase
}

class PostgresRunner implements QueryRunner {
  readonly kind = 'postgres' as const

  constructor(
    protected readonly sql: AnySql,
    readonly db: QuantDatabase,
    readonly inTransaction: boolean,
    protected readonly pool: Sql,
  ) {}

  async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return (await this.sql.unsafe(text, wireParams(params))) as unknown as T[]
    } catch (error) {
      throw toQuantDbError(error)
    }
  }

  async queryArrays(text: string, params: readonly unknown[] = []): Promise<unknown[][]> {
    try {
      return (await this.sql.unsafe(text, wireParams(params)).values()) as unknown as unknown[][]
    } catch (error) {
      throw toQuantDbError(error)
    }
  }

  async exec(text: string): Promise<void> {
    try {
      await this.sql.unsafe(text).simple()
    } catch (error) {
      throw toQuantDbError(error)
    }
  }

  async copyCsv(table: string, columns: readonly string[], csv: string): Promise<void> {
    const cols = columns.map((c) => `"${c}"`).join(', ')
    try {
      const copy = this.sql.unsafe(`COPY ${table} (${cols}) FROM STDIN WITH (FORMAT csv)`) as unknown as CopyQuery
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
    } catch (error) {
      throw toQuantDbError(error)
    }
  }

  async transaction<T>(fn: (tx: QueryRunner) => Promise<T>): Promise<T> {
    try {
      if (this.inTransaction) {
        // A savepoint runs on its own handle; queries through the outer one would not be rolled back with it.
        return (await (this.sql as TransactionSql).savepoint(async (sp) =>
          fn(new PostgresRunner(sp, await drizzleFor(sp, this.pool), true, this.pool)))) as T
      }
      return (await this.pool.begin(async (tsql) =>
        fn(new PostgresRunner(tsql, await drizzleFor(tsql, this.pool), true, this.pool)))) as T
    } catch (error) {
      throw isDatabaseError(error) ? toQuantDbError(error) : error
    }
  }
}

class PostgresDriver extends PostgresRunner implements Driver {
  readonly concurrent = true
  // The wire protocol counts parameters in 16 bits; postgres.js refuses 65,534 and more.
  readonly maxParameters = 65_000
  readonly maxRowsPerStatement = 10_000

  constructor(pool: Sql, db: QuantDatabase) {
    super(pool, db, false, pool)
  }

  async close(): Promise<void> {
    await this.pool.end({ timeout: 5 })
  }
}

/** The URL without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`
  } catch {
    return 'the configured server'
  }
}

/** Connects a postgres.js pool and checks that the server answers. */
export async function openPostgres(options: PostgresDriverOptions): Promise<Driver> {
  const postgres = await loadPostgres()
  const pool = postgres(options.url, {
    max: options.max ?? 10,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    connect_timeout: options.connectTimeout ?? 10,
    socket: (target: SocketTarget) => openSocket(target, options.connectTimeout ?? 10),
    idle_timeout: options.idleTimeout ?? 30,
    ...(options.prepare === false ? { prepare: false } : {}),
    // The session time zone is a startup parameter, so every pooled connection gets it.
    connection: { TimeZone: options.timezone, application_name: options.applicationName ?? 'quant-db' },
    onnotice: () => {},
  })
  const driver = new PostgresDriver(pool, await drizzleFor(pool))
  try {
    await pool.unsafe('SELECT 1')
  } catch (error) {
    await pool.end({ timeout: 1 }).catch(() => {})
    const mapped = toQuantDbError(error)
    throw new QuantDbError(mapped.reason === 'query' ? 'connection' : mapped.reason,
      `Cannot connect to PostgreSQL at ${describeUrl(options.url)}: ${mapped.message}`, { code: mapped.code, cause: error })
  }
  return driver
}
