import { randomBytes } from 'node:crypto'
import { createQuantDb, type QuantDb } from '../client.js'
import type { QuantDbOptions } from '../options.js'
import { invalidArgument } from '../errors.js'

/** Options of `createTestDb`: those of `createQuantDb` plus the mode and the admin URL of a server. */
export interface TestDbOptions extends Omit<QuantDbOptions, 'url' | 'dataDir'> {
  /** `embedded` (default): an in-memory PGlite with TimescaleDB. `postgres`: a new database on a server. */
  mode?: 'embedded' | 'postgres' | undefined
  /**
   * Postgres mode: a URL of a database the role may run CREATE DATABASE from.
   * Default: `QUANTDB_TEST_URL`, then `postgres://postgres@127.0.0.1:5432/postgres`.
   */
  adminUrl?: string | undefined
  /** Run `migrate()` before returning (default true). */
  migrate?: boolean | undefined
}

/** A throw-away, migrated database; `close()` also drops it (postgres mode). */
export interface TestDb extends QuantDb {
  /** Name of the database created for this test (postgres mode), or `null`. */
  readonly databaseName: string | null
  /** Connection URL of that database (postgres mode), or `null`. */
  readonly url: string | null
}

/**
 * A fresh `@quant/db` for one test suite: consumers use it in their own tests.
 *
 * @example
 * ```ts
 * import { createTestDb } from '@quant/db/testing'
 * let qdb: TestDb
 * beforeAll(async () => { qdb = await createTestDb() })
 * afterAll(() => qdb.close())
 * // or a new database on a TimescaleDB server (dropped again by close()):
 * qdb = await createTestDb({ mode: 'postgres', adminUrl: 'postgres://postgres@127.0.0.1:5433/postgres' })
 * ```
 */
export async function createTestDb(options: TestDbOptions = {}): Promise<TestDb> {
  const { mode = 'embedded', adminUrl, migrate = true, ...rest } = options
  if (mode !== 'embedded' && mode !== 'postgres') throw invalidArgument('mode', `must be 'embedded' or 'postgres', got ${String(mode)}`)
  if (typeof migrate !== 'boolean') throw invalidArgument('migrate', `must be true or false, got ${String(migrate)}`)
  const quiet = { logger: {}, ...rest }
  if (mode === 'embedded') {
    const qdb = await createQuantDb(quiet)
    if (migrate) await qdb.migrate()
    return Object.assign(qdb, { databaseName: null, url: null })
  }
  const admin = adminUrl ?? process.env['QUANTDB_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `quantdb_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const adminDb = await createQuantDb({ ...quiet, url: admin, pool: { max: 1 } })
  try {
    await adminDb.query(`CREATE DATABASE ${name}`)
  } finally {
    await adminDb.close()
  }
  const url = new URL(admin)
  url.pathname = `/${name}`
  // Behind a transaction pooler, QUANTDB_TEST_DIRECT_URL names the server itself (for backup and restore).
  const direct = process.env['QUANTDB_TEST_DIRECT_URL']
  const migrationUrl = direct ? Object.assign(new URL(direct), { pathname: `/${name}` }).toString() : undefined
  const qdb = await createQuantDb({ ...quiet, url: url.toString(), ...(migrationUrl && !rest.migrationUrl ? { migrationUrl } : {}) })
  if (migrate) await qdb.migrate()
  const close = qdb.close.bind(qdb)
  return Object.assign(qdb, {
    databaseName: name,
    url: url.toString(),
    async close() {
      await close()
      const drop = await createQuantDb({ ...quiet, url: admin, pool: { max: 1 } })
      try {
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await drop.close()
      }
    },
  })
}

export * from '../synthetic/index.js'
