/**
 * A drizzle-kit project next to `@quant/db/schema` (`npm run example:drizzle-kit [-- --url postgres://…]`):
 * the library migrates its tables, the service applies its own drizzle-kit migrations (kept apart in
 * their own journal table), and the service's queries join its table with the library's, with the
 * service's own `drizzle-orm` imports (one copy: `drizzle-orm` is a peer dependency).
 */
import { fileURLToPath } from 'node:url'
import { eq } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { tickers } from '@quant/db/schema'
import type { QuantDb } from '@quant/db'
import { check, openExampleDb } from '../_open.js'
import { watchlist } from './schema.js'

/** The service's migrations, each once, recorded in `watchlist_migrations` (the library keeps its own journal). */
async function migrateService(qdb: QuantDb): Promise<number> {
  const migrationsFolder = fileURLToPath(new URL('./drizzle', import.meta.url))
  await qdb.exec('CREATE TABLE IF NOT EXISTS watchlist_migrations (hash text PRIMARY KEY, created_at bigint NOT NULL)')
  let applied = 0
  for (const migration of readMigrationFiles({ migrationsFolder })) {
    await qdb.transaction(async (tx) => {
      if ((await tx.query('SELECT 1 FROM watchlist_migrations WHERE hash = $1', [migration.hash])).length > 0) return
      for (const statement of migration.sql) await tx.query(statement)
      await tx.query('INSERT INTO watchlist_migrations (hash, created_at) VALUES ($1, $2)', [migration.hash, migration.folderMillis])
      applied++
    })
  }
  return applied
}

const qdb = await openExampleDb()
try {
  console.log(`service migrations applied: ${await migrateService(qdb)}, again: ${await migrateService(qdb)}`)
  await qdb.tickers.upsert([{ ticker: '005930', region: 'KR', sector: 'Tech' }, { ticker: 'AAPL', region: 'US', sector: 'Tech' }])
  await qdb.db.insert(watchlist).values([{ ticker: '005930', region: 'KR', note: 'HBM supplier' }])
  const rows = await qdb.db.select({ ticker: watchlist.ticker, sector: tickers.sector, note: watchlist.note })
    .from(watchlist)
    .innerJoin(tickers, eq(tickers.ticker, watchlist.ticker))
    .where(eq(watchlist.region, 'KR'))
  console.log('watch list joined with tickers:', rows)
  check(rows.length === 1 && rows[0]!.sector === 'Tech', 'the service table joins the library table')
  // The foreign key to the library's table holds.
  const refused = await qdb.db.insert(watchlist).values({ ticker: 'NOPE', region: 'KR' }).catch((e: unknown) => e)
  check((refused as { reason?: string }).reason === 'foreign_key_violation', 'unknown ticker refused')
  console.log('unknown ticker refused: foreign_key_violation')
} finally {
  await qdb.close()
}
