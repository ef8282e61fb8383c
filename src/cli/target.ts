import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** A command-line mistake: printed as one line naming the option, exit code 2. */
export class UsageError extends Error {}

/** The database a command works on, as the user named it. */
export type Target = { kind: 'server'; url: string; from: string } | { kind: 'embedded'; dataDir: string; from: string }

/**
 * What a command needs of its target: `create` may make a new database (migrate), `empty` wants a
 * place with no database yet (restore), `existing` wants one that is there (everything else).
 */
export type TargetUse = 'create' | 'empty' | 'existing'

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  const u = new URL(url)
  if (u.password) u.password = ''
  return u.toString().replace(/:@/, '@')
}

function checkUrl(url: string, from: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    // The text itself is not echoed: it may hold a password.
    throw new UsageError(`${from} is not a valid URL (expected postgres://user@host:5432/database)`)
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`${from} is a ${u.protocol.replace(/:$/, '')} URL; only PostgreSQL is supported (postgres:// or postgresql://)`)
  }
  if (!u.hostname && !u.searchParams.get('host')) throw new UsageError(`${from} names no host (expected postgres://user@host:5432/database)`)
  return url
}

/** True for a directory PGlite has initialized (PostgreSQL writes PG_VERSION at initdb). */
export function isDataDir(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'))
}

function checkDataDir(dir: string, from: string, use: TargetUse): string {
  const path = resolve(dir)
  const stat = existsSync(path) ? statSync(path) : undefined
  if (stat && !stat.isDirectory()) throw new UsageError(`${from} ${dir} is a file, not a directory`)
  const empty = !stat || readdirSync(path).length === 0
  if (use === 'existing' && !isDataDir(path)) {
    throw new UsageError(`${from} ${dir}: no database there (create one with: quant-db migrate --data-dir ${dir})`)
  }
  if (use === 'empty' && !empty) {
    throw new UsageError(`${from} ${dir} is not empty: restore into a new directory (a restore never overwrites)`)
  }
  if (use === 'create' && !empty && !isDataDir(path)) {
    throw new UsageError(`${from} ${dir} holds other files, not an embedded database`)
  }
  return path
}

/**
 * The database named by `--url` / `--data-dir`, else `$DATABASE_URL` / `$QUANTDB_DATA_DIR`. Never a
 * guess: with none of them, or two that disagree, this throws a UsageError saying what to pass.
 */
export function resolveTarget(values: { url?: string | undefined; 'data-dir'?: string | undefined }, env: NodeJS.ProcessEnv, use: TargetUse): Target {
  if (values.url !== undefined && values['data-dir'] !== undefined) {
    throw new UsageError('--url and --data-dir name two databases: pass one of them')
  }
  if (values.url !== undefined) return { kind: 'server', url: checkUrl(values.url, '--url'), from: '--url' }
  if (values['data-dir'] !== undefined) return { kind: 'embedded', dataDir: checkDataDir(values['data-dir'], '--data-dir', use), from: '--data-dir' }
  const envUrl = env['DATABASE_URL'] || undefined
  const envDir = env['QUANTDB_DATA_DIR'] || undefined
  if (envUrl && envDir) {
    throw new UsageError('DATABASE_URL and QUANTDB_DATA_DIR are both set: pass --url or --data-dir to say which database')
  }
  if (envUrl) return { kind: 'server', url: checkUrl(envUrl, 'DATABASE_URL'), from: 'DATABASE_URL' }
  if (envDir) return { kind: 'embedded', dataDir: checkDataDir(envDir, 'QUANTDB_DATA_DIR', use), from: 'QUANTDB_DATA_DIR' }
  throw new UsageError('no database given: pass --url postgres://… (or set DATABASE_URL) or --data-dir DIR (or set QUANTDB_DATA_DIR)')
}

/** One line for stderr: which database this command works on (never the password). */
export function describeTarget(target: Target): string {
  return target.kind === 'server' ? `server ${redactUrl(target.url)}` : `embedded database in ${target.dataDir}`
}
