import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { QuantDbError } from '../errors.js'
import type { Driver } from '../drivers/types.js'

/** What `qdb.backup(file)` wrote. */
export interface BackupResult {
  file: string
  format: 'pg_dump-custom' | 'pglite-datadir-tgz'
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

/**
 * Server mode: restores a custom-format dump into the (empty, existing) database at `url`, with
 * TimescaleDB wrapped in `timescaledb_pre_restore()` / `timescaledb_post_restore()` when the dump needs it.
 */
export async function restoreServer(driver: Driver, url: string, file: string, timescale: boolean): Promise<void> {
  const tool = urlForTools(url)
  if (timescale) {
    await driver.exec('CREATE EXTENSION IF NOT EXISTS timescaledb')
    await driver.query('SELECT timescaledb_pre_restore()')
  }
  try {
    await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${tool.url}`, file], tool.env)
  } finally {
    if (timescale) await driver.query('SELECT timescaledb_post_restore()')
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
