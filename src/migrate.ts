import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import type { QueryRunner } from './drivers/types.js'
import { QuantDbError } from './errors.js'

/** The aggregates the custom migration creates, refreshed once after they are first created. */
export const AGGREGATES = ['ohlcv_daily_summary', 'factor_monthly_performance', 'portfolio_daily_metrics'] as const
/** The aggregates `qdb.ops.refreshAggregates` takes. */
export type AggregateName = (typeof AGGREGATES)[number]

/** Finds the package's `drizzle/` folder from wherever this module was bundled to. */
export function defaultMigrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'drizzle')
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate
    dir = resolve(dir, '..')
  }
  throw new QuantDbError('configuration', 'Cannot find the drizzle/ migrations folder of @quant/db; pass migrationsFolder.')
}

/** What `qdb.migrate()` did. */
export interface MigrationResult {
  /** Tags of the migrations applied by this call (empty when the database was up to date). */
  applied: string[]
}

// Any fixed number: serializes concurrent migrate() calls from several services on one server.
const LOCK_KEY = 7_324_019_551

/**
 * Applies drizzle's migrations in one transaction, bookkept in drizzle's own table
 * (`drizzle.__drizzle_migrations`), so drizzle-kit sees the same history. Idempotent.
 * @internal
 */
export async function runMigrations(runner: QueryRunner, folder: string): Promise<MigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder: folder })
  const tags = readJournal(folder).map((e) => e.tag)
  return runner.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS drizzle;
      CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`)
    const [last] = await tx.query<{ created_at: string | number }>(
      'SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1',
    )
    const lastApplied = last ? Number(last.created_at) : -1
    const applied: string[] = []
    for (const [i, migration] of migrations.entries()) {
      if (migration.folderMillis <= lastApplied) continue
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.exec(statement)
      }
      await tx.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [
        migration.hash, migration.folderMillis,
      ])
      applied.push(tags[i] ?? String(migration.folderMillis))
    }
    return { applied }
  })
}

/** The folder's migrations in order: tag and time (`when`, which drizzle records as `created_at`). */
function readJournal(folder: string): { tag: string; when: number }[] {
  // readMigrationFiles validates the journal where it matters (migrate); here we only want tags and times.
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] }
  return journal.entries
}

/** Where a database stands against this version's migrations (`qdb.migrationStatus()`). */
export interface MigrationStatus {
  /** Migrations recorded as applied in the database (drizzle's `drizzle.__drizzle_migrations`); 0 for a new database. */
  applied: number
  /** Tags of this version's migrations that `migrate()` would apply, oldest first: all of them on a new database. */
  pending: string[]
  /** A newer version of the library migrated the database: its newest record is past this version's last migration. */
  newer: boolean
}

/**
 * The database's migration record against `folder`'s migrations, by the same `created_at` test
 * `runMigrations` makes.
 * @internal
 */
export async function readMigrationStatus(runner: QueryRunner, folder: string): Promise<MigrationStatus> {
  const journal = readJournal(folder)
  // Two statements: one naming a table that may not exist would fail (and leave an ERROR in the
  // server's log on every open of a new database).
  const [found] = await runner.query<{ migrated: boolean }>(`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS migrated`)
  const [row] = found?.migrated
    ? await runner.query<{ n: number; last: string | null }>('SELECT count(*)::int AS n, max(created_at)::text AS last FROM drizzle.__drizzle_migrations')
    : []
  const last = row?.last == null ? -1 : Number(row.last)
  const newest = journal.at(-1)
  return {
    applied: row?.n ?? 0,
    pending: journal.filter((e) => e.when > last).map((e) => e.tag),
    newer: newest !== undefined && last > newest.when,
  }
}

/**
 * `status` as a warning for a person, or undefined when the database is at this version's level or
 * was never migrated (`migrate()` is what comes next). A database migrated by an older version lacks
 * tables, columns or functions this version uses; one migrated by a newer version may hold what this
 * version cannot read.
 * @internal
 */
export function migrationLevelWarning(status: MigrationStatus): string | undefined {
  if (status.applied === 0) return undefined
  if (status.pending.length > 0) {
    return `the database was migrated by an older version of @quant/db: ${status.pending.length} migration(s) of this version missing ` +
      `(${status.pending.join(', ')}); call qdb.migrate() (CLI: quant-db migrate) before using it`
  }
  if (status.newer) {
    return 'the database was migrated by a newer version of @quant/db than this one: what this version reads and writes may not match it'
  }
  return undefined
}
