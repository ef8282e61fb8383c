import { spawn } from 'node:child_process'
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { invalidArgument, QuantDbError } from '../errors.js'
import type { Driver } from '../drivers/types.js'

/** What `qdb.backup(file)` wrote. */
export interface BackupResult {
  /** The file written (the path given to `backup`). */
  file: string
  /**
   * `pg_dump-custom` (server: restore with `qdb.restore` or pg_restore) or `pglite-datadir-tgz` (embedded:
   * reopen with `createQuantDb({ restoreFrom })`).
   */
  format: 'pg_dump-custom' | 'pglite-datadir-tgz'
  /** Size of the file, in bytes. */
  bytes: number
}

/** Splits the password off a URL so that it travels in PGPASSWORD, never in argv or a message. */
export function urlForTools(url: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url)
  const password = decodeURIComponent(u.password)
  u.password = ''
  return { url: u.toString(), env: password ? { ...process.env, PGPASSWORD: password } : { ...process.env } }
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('error', (e) => reject(new QuantDbError('configuration', `${command} could not be started: ${e.message} (install the PostgreSQL client tools)`, { cause: e })))
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new QuantDbError('query', `${command} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`))
    })
  })
}

/**
 * Server mode: `pg_dump --format=custom` to `file`. Spec 7.1 piped a custom-format dump through gzip
 * and restored it with psql (7.3), which cannot work: custom dumps are already compressed and are
 * read by pg_restore. The password goes through PGPASSWORD, never the command line.
 */
export async function backupServer(url: string, file: string): Promise<BackupResult> {
  const tool = urlForTools(url)
  await run('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${tool.url}`], tool.env)
  const bytes = (await readFile(file)).byteLength
  return { file, format: 'pg_dump-custom', bytes }
}

/** Relations a restore would collide with: anything in a user schema that no extension owns. */
const USER_RELATIONS = `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT LIKE '\\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`

/**
 * Server mode: restores a custom-format dump into the (empty, existing) database at `url`, with
 * TimescaleDB wrapped in `timescaledb_pre_restore()` / `timescaledb_post_restore()` when the dump needs it.
 * All or nothing: pg_restore runs as one transaction (`--single-transaction --exit-on-error`), and an
 * extension created here for the restore is dropped again when it fails, so a failed restore leaves
 * the database as it was found. A database that already holds tables is refused before anything runs.
 * @internal
 */
export async function restoreServer(driver: Driver, url: string, file: string, timescale: boolean): Promise<void> {
  if (!existsSync(file)) throw invalidArgument('file', `no backup file at ${file}`)
  const [busy] = await driver.query<{ n: number }>(USER_RELATIONS)
  if ((busy?.n ?? 0) > 0) {
    throw invalidArgument('database', `The target database is not empty (${busy!.n} tables, views or sequences): restore into a new, empty database`)
  }
  const tool = urlForTools(url)
  let created = false
  if (timescale) {
    const [had] = await driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`)
    await driver.exec('CREATE EXTENSION IF NOT EXISTS timescaledb')
    created = (had?.n ?? 0) === 0
    await driver.query('SELECT timescaledb_pre_restore()')
  }
  // A file name is never read as an option, even one that starts with '-'.
  const path = file.startsWith('-') ? `./${file}` : file
  try {
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${tool.url}`, path], tool.env)
  } catch (error) {
    if (timescale) {
      await driver.query('SELECT timescaledb_post_restore()').catch(() => {})
      if (created) await driver.exec('DROP EXTENSION IF EXISTS timescaledb').catch(() => {})
    }
    throw error
  }
  if (timescale) await driver.query('SELECT timescaledb_post_restore()')
}

/**
 * Embedded mode: unpacks a `backup()` tarball into a new data directory `dataDir` (absent or empty).
 * The database is opened and checked in a sibling directory first and renamed into place only when
 * that succeeded: a failed restore leaves `dataDir` as it was found.
 */
export async function restoreEmbeddedDir(
  file: string,
  dataDir: string,
  open: (options: { dataDir: string; restoreFrom: string }) => Promise<{ query(text: string): Promise<unknown[]>; close(): Promise<void> }>,
): Promise<void> {
  if (!existsSync(file)) throw invalidArgument('file', `no backup file at ${file}`)
  // PGlite starts an empty database from a tarball it cannot read, without a word: check what it is given.
  const head = (await readFile(file)).subarray(0, 2)
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    throw invalidArgument('file', `${file} is not an embedded backup (a gzipped data directory written by backup)`)
  }
  const staging = join(dirname(dataDir), `.${basename(dataDir)}.restoring-${process.pid}`)
  await rm(staging, { recursive: true, force: true })
  await mkdir(dirname(dataDir), { recursive: true })
  try {
    const db = await open({ dataDir: staging, restoreFrom: file })
    try {
      const [found] = (await db.query(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS migrated`)) as { migrated: boolean }[]
      if (!found?.migrated) throw invalidArgument('file', `${file} holds no @quant/db database (no migrations were applied in it)`)
    } finally {
      await db.close()
    }
    if (existsSync(dataDir)) await rmdir(dataDir) // empty (checked by the caller); rmdir refuses otherwise
    await rename(staging, dataDir)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error instanceof QuantDbError ? error : new QuantDbError('data', `Could not restore ${file}: ${(error as Error).message}`, { cause: error })
  }
}

interface DumpsDataDir {
  dumpDataDir(compression?: 'gzip' | 'auto' | 'none'): Promise<Blob>
}

/** Embedded mode: the whole data directory as a gzipped tarball (reopen with `createQuantDb({ restoreFrom })`). */
export async function backupEmbedded(engine: DumpsDataDir, file: string): Promise<BackupResult> {
  const blob = await engine.dumpDataDir('gzip')
  const bytes = new Uint8Array(await blob.arrayBuffer())
  await writeFile(file, bytes)
  return { file, format: 'pglite-datadir-tgz', bytes: bytes.byteLength }
}
