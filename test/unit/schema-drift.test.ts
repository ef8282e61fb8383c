import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as schema from '../../src/schema/index.js'

// `npm test` fails when src/schema and drizzle/ disagree (e.g. a `.desc()` dropped from an index without
// a new migration), not only the separate `npm run db:check-drift` of CI. drizzle-kit's own API builds
// the snapshot of src/schema in memory and diffs it against the latest snapshot in drizzle/meta: any
// statement it would generate is drift. Nothing is written into the repository.

const drizzleDir = fileURLToPath(new URL('../../drizzle/', import.meta.url))
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>

interface Journal { entries: { idx: number; tag: string }[] }
const journal = readJson(`${drizzleDir}meta/_journal.json`) as unknown as Journal
const latestTag = journal.entries.at(-1)!.tag
const latestSnapshotPath = `${drizzleDir}meta/${latestTag.slice(0, 4)}_snapshot.json`

type Api = typeof import('drizzle-kit/api')
type Snapshot = Parameters<Api['generateMigration']>[0]

/** The SQL drizzle-kit would generate to take `snapshot` to what src/schema declares. */
async function pendingStatements(snapshot: Snapshot): Promise<string[]> {
  const api: Api = await import('drizzle-kit/api')
  const current = api.generateDrizzleJson(schema as unknown as Record<string, unknown>, snapshot.id, ['public'])
  return api.generateMigration(snapshot, current)
}

describe('schema drift (src/schema against drizzle/)', () => {
  it('every journal entry has its migration and snapshot files, in order', () => {
    expect(journal.entries.map((e) => e.idx)).toEqual(journal.entries.map((_, i) => i))
    for (const { tag } of journal.entries) {
      expect(existsSync(`${drizzleDir}${tag}.sql`), `${tag}.sql`).toBe(true)
      expect(existsSync(`${drizzleDir}meta/${tag.slice(0, 4)}_snapshot.json`), `${tag} snapshot`).toBe(true)
    }
  })

  it('src/schema matches the latest snapshot: drizzle-kit has no migration to generate', async () => {
    const statements = await pendingStatements(readJson(latestSnapshotPath) as unknown as Snapshot)
    // On failure: run `npm run db:generate` and commit drizzle/ (or undo the schema change).
    expect(statements, 'src/schema changed without a migration in drizzle/').toEqual([])
  })

  it('the comparison sees an index direction change (the check is not vacuous)', async () => {
    // The same comparison against a snapshot whose idx_backtest_sharpe lost its DESC must find drift.
    const snapshot = readJson(latestSnapshotPath) as { tables: Record<string, { indexes: Record<string, { columns: { asc: boolean }[] }> }> }
    const index = snapshot.tables['public.backtest_results']!.indexes['idx_backtest_sharpe']!
    expect(index.columns[0]!.asc).toBe(false)
    index.columns[0]!.asc = true
    const statements = await pendingStatements(snapshot as unknown as Snapshot)
    expect(statements.join('\n')).toMatch(/CREATE INDEX "idx_backtest_sharpe" .*"sharpe_ratio" DESC/)
  })
})
