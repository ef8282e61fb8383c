import { afterAll, beforeAll, describe, inject } from 'vitest'
import './global-setup.js'
import { createTestDb, type TestDb, type TestDbOptions } from '../../src/testing/index.js'
import { serverUrl, timescaleUrl } from './urls.js'

export interface Target {
  /**
   * `embedded`: PGlite + TimescaleDB 2.23 in process. `server`: the plain PostgreSQL server
   * (QUANTDB_TEST_URL, Debian PG 15: no TimescaleDB). `timescale`: the PostgreSQL 15 + TimescaleDB
   * 2.28 server (QUANTDB_TIMESCALE_URL), the one most services run against.
   */
  name: 'embedded' | 'server' | 'timescale'
  /** TimescaleDB expected: embedded and the TimescaleDB server always have it; the plain server never does. */
  timescale: boolean
  /** Reached over the network through postgres.js (`server` and `timescale`), not embedded. */
  remote: boolean
}

export const TARGETS: readonly Target[] = [
  { name: 'embedded', timescale: true, remote: false },
  { name: 'server', timescale: false, remote: true },
  { name: 'timescale', timescale: true, remote: true },
]

/** The admin URL a remote target creates its scratch databases from (undefined when embedded). */
export function adminUrlOf(target: Target): string | undefined {
  if (target.name === 'server') return serverUrl()
  if (target.name === 'timescale') return timescaleUrl()
  return undefined
}

/** Why `target` cannot run here (its server did not answer), or `null` when it can. */
export function skipReason(target: Target): string | null {
  if (target.name === 'server') return inject('serverSkip')
  if (target.name === 'timescale') return inject('timescaleSkip')
  return null
}

/** A fresh database on `target` (a new database on its server when remote). */
export function openTarget(target: Target, options: TestDbOptions = {}): Promise<TestDb> {
  const adminUrl = adminUrlOf(target)
  return createTestDb({
    ...options,
    mode: target.remote ? 'postgres' : 'embedded',
    ...(adminUrl === undefined ? {} : { adminUrl }),
  })
}

/**
 * Runs the same suite on every database: `body` gets the target and a getter for a fresh,
 * migrated database shared by the suite. A target whose server does not answer is skipped with
 * the reason in the suite's title (global-setup fails the run instead under CI=true).
 *
 * @example
 * forEachTarget('tickers', (t, db) => { it('...', async () => { await db().tickers.upsert(...) }) })
 */
export function forEachTarget(
  title: string,
  body: (target: Target, db: () => TestDb) => void,
  options: TestDbOptions = {},
): void {
  for (const target of TARGETS) {
    const reason = skipReason(target)
    // The reason shows in the report: "tickers [timescale] (skipped: no server answered at 127.0.0.1:5433 ...)".
    const name = reason ? `${title} [${target.name}] (skipped: ${reason})` : `${title} [${target.name}]`
    describe.skipIf(reason !== null)(name, () => {
      let db: TestDb | undefined
      beforeAll(async () => {
        db = await openTarget(target, options)
      })
      afterAll(async () => {
        await db?.close()
      })
      body(target, () => {
        if (!db) throw new Error('database not open')
        return db
      })
    })
  }
}
