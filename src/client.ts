import { detectCapabilities, type Capabilities } from './capabilities.js'
import type { Driver, QueryRunner, QuantDatabase, Row, TransactionOptions } from './drivers/types.js'
import { z } from 'zod'
import { checkOne } from './validation/validate.js'
import { defaultMigrationsFolder, migrationLevelWarning, readMigrationStatus, runMigrations, type MigrationResult, type MigrationStatus } from './migrate.js'
import { backupEmbedded, backupServer, restoreServer, type BackupResult } from './ops/backup.js'
import { Ops } from './ops/ops.js'
import { QuantDbError } from './errors.js'
import { resolveOptions, type QuantDbOptions, type ResolvedOptions } from './options.js'
import type { RepoContext } from './repos/context.js'
import { createRepos, type Repos } from './repos/create.js'
import { openScale, type Scale } from './replicas/scale.js'
import { preparedStatements } from './scale-options.js'
import type { ReplicationStatus } from './replicas/status.js'

/** The repositories and drizzle, bound to one transaction. */
export interface QuantDbTransaction extends Repos {
  /** drizzle bound to this transaction. */
  readonly db: QuantDatabase
  /** Raw SQL on this transaction (`$1` parameters). */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>
}

/** A connected `@quant/db`. */
export interface QuantDb extends Repos {
  /** drizzle with the full schema, for queries the repositories do not cover. */
  readonly db: QuantDatabase
  /** What the database can do; refreshed by `migrate()`. `replicas`: replicas serving reads now. */
  readonly capabilities: Capabilities & { readonly replicas: number }
  /**
   * The repositories on the primary, whatever `replicas` and `readFrom` say: read your own writes.
   * @example `await qdb.ohlcv.upsert(bars); const fresh = await qdb.primary.ohlcv.recent({ ticker: '005930', region: 'KR' })`
   */
  readonly primary: Repos
  /** Compression, jobs, aggregates, maintenance, monitoring; `ops.replication()` for replicas. */
  readonly ops: Ops & { replication(): Promise<ReplicationStatus> }
  /**
   * Creates or updates the schema; idempotent. Refreshes the aggregates after a first creation.
   * @example `const { applied } = await qdb.migrate()`
   */
  migrate(): Promise<MigrationResult>
  /**
   * Where the database stands against this version's migrations: how many are applied, which
   * `migrate()` would apply (all on a new database), and whether a newer version migrated it. For a
   * service's readiness check, when another process runs the migrations.
   * @example
   * ```ts
   * const { pending, newer } = await qdb.migrationStatus()
   * if (pending.length > 0 || newer) throw new Error(`schema not at this version: pending ${pending.join(', ')}`)
   * ```
   */
  migrationStatus(): Promise<MigrationStatus>
  /**
   * Runs `fn` in one transaction with every repository bound to it; rolls back if `fn` throws.
   * `options` set the isolation level and access mode (drizzle's names), e.g. a consistent read-only
   * view of several reads: `{ isolationLevel: 'repeatable read', accessMode: 'read only' }`.
   * @example
   * ```ts
   * await qdb.transaction(async (tx) => {
   *   await tx.portfolio.applyTrade({ ticker: '005930', region: 'KR', tradeDate: '2024-03-04', tradeType: 'SELL', quantity: 10, price: 74_000 })
   *   await tx.portfolio.applyTrade({ ticker: '000660', region: 'KR', tradeDate: '2024-03-04', tradeType: 'BUY', quantity: 5, price: 150_000 })
   * })
   * ```
   */
  transaction<T>(fn: (tx: QuantDbTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>
  /**
   * Raw SQL (`$1` parameters); rows as objects, DATE/TIMESTAMP/NUMERIC as strings.
   * @example `const rows = await qdb.query<{ n: number }>('SELECT count(*)::int AS n FROM tickers WHERE region = $1', ['KR'])`
   */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>
  /**
   * Several SQL statements at once, without parameters (scripts, DDL).
   * @example `await qdb.exec('ANALYZE ohlcv_data; ANALYZE factor_scores')`
   */
  exec(text: string): Promise<void>
  /**
   * Writes a backup to `file`: `pg_dump --format=custom` on a server (restore with `restore()` or
   * pg_restore), the data directory as a tarball when embedded (reopen with `createQuantDb({ restoreFrom })`).
   * @example `await qdb.backup('/var/backups/quant.dump')`
   */
  backup(file: string): Promise<BackupResult>
  /**
   * Server mode: restores a `backup()` file into this (empty) database, TimescaleDB-aware.
   * @example `await (await createQuantDb({ url: emptyDbUrl })).restore('/var/backups/quant.dump')`
   */
  restore(file: string): Promise<void>
  /**
   * Closes the connection pool (server) or the embedded engine. A `client` or `pglite` you passed in
   * stays open: you own it and close it yourself.
   * @example `process.on('SIGTERM', () => qdb.close())`
   */
  close(): Promise<void>
}

const transactionOptionsSchema = z.object({
  isolationLevel: z.enum(['read uncommitted', 'read committed', 'repeatable read', 'serializable']).optional(),
  accessMode: z.enum(['read only', 'read write']).optional(),
}).strict()

/** Where the database is: at most one of url, client, pglite, dataDir. */
function checkOneSource(options: QuantDbOptions): void {
  const given = (['url', 'client', 'pglite', 'dataDir'] as const).filter((k) => options[k] !== undefined)
  if (given.length > 1) {
    throw new QuantDbError('configuration', `Pass one of url, client, pglite, dataDir, not ${given.join(' and ')}.`)
  }
  if (options.restoreFrom !== undefined && (options.client !== undefined || options.pglite !== undefined)) {
    throw new QuantDbError('configuration', 'restoreFrom opens a new embedded database: it does not go with client or pglite.')
  }
}

async function openDriver(options: QuantDbOptions, resolved: ResolvedOptions): Promise<Driver> {
  checkOneSource(options)
  if (options.client !== undefined) {
    const { openPostgresClient } = await import('./drivers/postgres/driver.js')
    return openPostgresClient(options.client)
  }
  if (options.pglite !== undefined) {
    const { openEmbeddedInstance } = await import('./drivers/embedded/driver.js')
    return openEmbeddedInstance(options.pglite)
  }
  if (options.url) {
    const { openPostgres } = await import('./drivers/postgres/driver.js')
    return openPostgres({ url: options.url, timezone: resolved.timezone, ssl: options.ssl, ...resolved.server })
  }
  const { openEmbedded } = await import('./drivers/embedded/driver.js')
  return openEmbedded({ dataDir: options.dataDir, timezone: resolved.timezone, restoreFrom: options.restoreFrom })
}

class QuantDbClient implements QuantDb {
  private repos: Repos
  private caps: Capabilities
  private plainNoticeGiven = false
  readonly ops: Ops & { replication(): Promise<ReplicationStatus> }
  readonly primary: Repos

  constructor(
    private readonly driver: Driver,
    capabilities: Capabilities,
    private readonly resolved: ResolvedOptions,
    private readonly migrationsFolder: string | undefined,
    // Not `url`: createTestDb() assigns a public `url` onto the client, which would shadow a field of that name.
    private readonly toolsUrl: string | undefined,
    private readonly scale: Scale,
  ) {
    this.caps = capabilities
    const own = createRepos(this.context(driver))
    this.repos = scale.route(own, (runner) => createRepos(this.context(runner)))
    this.primary = scale.route(own)
    this.ops = Object.assign(new Ops(this.context(driver)), { replication: () => scale.replication(driver) })
  }

  private context(runner: QueryRunner): RepoContext {
    const self = this
    return {
      runner,
      // A getter, so repositories see the capabilities that migrate() refreshes.
      get capabilities() { return self.caps },
      options: this.resolved,
      limits: { maxParameters: this.driver.maxParameters, maxRowsPerStatement: this.driver.maxRowsPerStatement },
    }
  }

  get db(): QuantDatabase { return this.driver.db }
  get capabilities(): Capabilities & { readonly replicas: number } { return { ...this.caps, replicas: this.scale.replicasInUse() } }
  get tickers() { return this.repos.tickers }
  get ohlcv() { return this.repos.ohlcv }
  get factors() { return this.repos.factors }
  get backtests() { return this.repos.backtests }
  get portfolio() { return this.repos.portfolio }
  get logs() { return this.repos.logs }

  async migrate(): Promise<MigrationResult> {
    const result = await this.scale.migrate((runner) => runMigrations(runner, this.migrationsFolder ?? defaultMigrationsFolder()), this.driver)
    this.caps = await detectCapabilities(this.driver)
    if (result.applied.length > 0) await this.ops.refreshAggregates()
    if (!this.caps.timescale && !this.plainNoticeGiven) {
      this.plainNoticeGiven = true
      this.resolved.logger.warn?.(
        'TimescaleDB is not available on this database: time-series tables are plain tables, the aggregates are ' +
          'materialized views refreshed by the library, and retention runs from ops.maintenance().',
      )
    }
    return result
  }

  migrationStatus(): Promise<MigrationStatus> {
    return readMigrationStatus(this.driver, this.migrationsFolder ?? defaultMigrationsFolder())
  }

  async transaction<T>(fn: (tx: QuantDbTransaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const modes = options === undefined ? undefined : checkOne('transaction', options, transactionOptionsSchema)
    return this.driver.transaction((runner) =>
      fn({
        ...this.scale.route(createRepos(this.context(runner)), undefined, true),
        db: runner.db,
        query: (text, params) => runner.query(text, params),
      }),
    modes)
  }

  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
    return this.driver.query<T>(text, params)
  }

  exec(text: string): Promise<void> {
    return this.driver.exec(text)
  }

  async backup(file: string): Promise<BackupResult> {
    if (this.driver.dumpDataDir) return backupEmbedded({ dumpDataDir: (c) => this.driver.dumpDataDir!(c) }, file)
    if (!this.toolsUrl) {
      throw new QuantDbError('unsupported', 'backup() of a shared client runs pg_dump, which needs a URL: pass migrationUrl as well.')
    }
    if (!this.capabilities.timescale) return backupServer(this.toolsUrl, file)
    // TimescaleDB's jobs move rows between tables (compression truncates a chunk, a non-MVCC step),
    // so a policy running during pg_dump can leave a chunk's rows out of the dump: seen as a lost
    // month of bars. The database's job scheduler is stopped for the dump and started again after.
    const stopped = await this.driver.query('SELECT _timescaledb_functions.stop_background_workers()').then(() => true, (error: unknown) => {
      // A role that may not stop them (not the database owner): dump anyway, as pg_dump alone would.
      this.resolved.logger.warn?.(`backup: TimescaleDB jobs could not be paused for the dump (${(error as Error).message})`)
      return false
    })
    try {
      return await backupServer(this.toolsUrl, file)
    } finally {
      if (stopped) await this.driver.query('SELECT _timescaledb_functions.start_background_workers()')
    }
  }

  async restore(file: string): Promise<void> {
    if (!this.toolsUrl) {
      throw new QuantDbError('unsupported', this.driver.dumpDataDir
        ? 'An embedded database is restored by opening it: createQuantDb({ restoreFrom: file }).'
        : 'restore() on a shared client runs pg_restore, which needs a URL: pass migrationUrl as well.')
    }
    await restoreServer(this.driver, this.toolsUrl, file, this.caps.timescale)
    this.caps = await detectCapabilities(this.driver)
  }

  async close(): Promise<void> {
    await this.scale.close()
    await this.driver.close()
  }
}

/** Tells the logger when the database was migrated by another version of the library; never fails the open. */
async function warnOfMigrationLevel(driver: Driver, folder: string | undefined, resolved: ResolvedOptions): Promise<void> {
  try {
    const warning = migrationLevelWarning(await readMigrationStatus(driver, folder ?? defaultMigrationsFolder()))
    if (warning) resolved.logger.warn?.(warning)
  } catch {
    // No migrations folder, or a role that cannot read the record: migrate() will say so when it runs.
  }
}

/**
 * Opens `@quant/db`: embedded PGlite with TimescaleDB (no options, or `dataDir`), or a PostgreSQL
 * server by `url` (TimescaleDB used when the server really has it; plain mode otherwise). To share a
 * connection pool or an engine you already have, pass your postgres.js `client` or your `pglite`
 * instead (you keep owning it: `close()` leaves it open). One of url, client, pglite, dataDir.
 *
 * @example
 * ```ts
 * import { createQuantDb } from '@quant/db'
 * const qdb = await createQuantDb({ url: process.env.DATABASE_URL })
 * await qdb.migrate()
 * const bars = await qdb.ohlcv.recent({ ticker: '005930', region: 'KR', limit: 250 })
 * await qdb.close()
 * ```
 */
export async function createQuantDb(options: QuantDbOptions = {}): Promise<QuantDb> {
  const resolved = resolveOptions(options)
  const driver = await openDriver(options, resolved)
  try {
    const capabilities = await detectCapabilities(driver)
    await warnOfMigrationLevel(driver, options.migrationsFolder, resolved)
    const scale = await openScale(driver, options, resolved)
    // pg_dump and pg_restore need a session of their own: the direct URL when `url` is a pooler.
    return new QuantDbClient(driver, capabilities, resolved, options.migrationsFolder, options.migrationUrl ?? options.url, scale)
  } catch (error) {
    await driver.close().catch(() => {})
    throw error
  }
}
