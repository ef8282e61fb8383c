import { afterAll, beforeAll, describe, inject } from 'vitest'
import './global-setup.js'
import { createTestDb, type TestDb, type TestDbOptions } from '../../src/testing/index.js'

export interface Target {
  name: 'embedded' | 'server'
  /** TimescaleDB expected: embedded always has it; the local server (Debian PG 15) never does. */
  timescale: boolean
}

export const TARGETS: readonly Target[] = [
  { name: 'embedded', timescale: true },
  { name: 'server', timescale: false },
]

const serverAvailable = (): boolean => inject('serverAvailable')

export function openTarget(target: Target, options: TestDbOptions = {}): Promise<TestDb> {
  return createTestDb({ ...options, mode: target.name === 'embedded' ? 'embedded' : 'postgres' })
}

/**
 * Runs the same suite on every database: `body` gets the target and a getter for a fresh,
 * migrated database shared by the suite.
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
    const skip = target.name === 'server' && !serverAvailable()
    // The reason shows in the report: "(skipped: no PostgreSQL server at 127.0.0.1:5432)".
    const name = skip ? `${title} [server] (skipped: no PostgreSQL server answered)` : `${title} [${target.name}]`
    describe.skipIf(skip)(name, () => {
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
