/**
 * How every example opens its database: the embedded default (PGlite + TimescaleDB in memory), or
 * the server given by `--url postgres://…` (or DATABASE_URL). A server run works in a database of
 * its own (created and dropped by `@quant/db/testing`), so an example never touches real data.
 */
import { createTestDb, type TestDb } from '@quant/db/testing'

export async function openExampleDb(): Promise<TestDb> {
  const flag = process.argv.indexOf('--url')
  const url = flag >= 0 ? process.argv[flag + 1] : process.env['DATABASE_URL']
  const qdb = url ? await createTestDb({ mode: 'postgres', adminUrl: url }) : await createTestDb()
  console.log(`database: ${qdb.capabilities.mode}, TimescaleDB ${qdb.capabilities.timescale ? qdb.capabilities.timescaleVersion : 'not available (plain mode)'}`)
  return qdb
}

/** Fails the example (exit code 1) when what it shows did not happen. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`example check failed: ${what}`)
}
