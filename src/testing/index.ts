import { randomBytes } from 'node:crypto'
import { createQuantDb, type QuantDb } from '../client.js'
import type { QuantDbOptions } from '../options.js'

export interface TestDbOptions extends Omit<QuantDbOptions, 'url' | 'dataDir'> {
  /** `embedded` (default): an in-memory PGlite with TimescaleDB. `postgres`: a new database on a server. */
  mode?: 'embedded' | 'postgres'
  /**
   * Postgres mode: a URL of a database the role may run CREATE DATABASE from.
   * Default: `QUANTDB_TEST_URL`, then `postgres://postgres@127.0.0.1:5432/postgres`.
   */
  adminUrl?: string
  /** Run `migrate()` before returning (default true). */
  migrate?: boolean
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
  const qdb = await createQuantDb({ ...quiet, url: url.toString() })
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
