import { sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { expect, it } from 'vitest'
import { tickers } from '../../src/schema/index.js'
import type { QuantDatabase } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

// drizzle's dialect and relational schema are built once per client; a transaction (ours or
// drizzle's own on qdb.db) only makes a session over them. If a transaction rebuilt drizzle, its
// database would carry a dialect or a relational schema of its own and these identities would fail.

/** drizzle's internals read here: the dialect, the session and the relational schema of a database. */
interface DrizzleParts { dialect: unknown; session: unknown; _: { schema: unknown } }
const parts = (db: QuantDatabase | object): DrizzleParts => db as unknown as DrizzleParts

forEachTarget('drizzle built once per client', (_target, db) => {
  it('every transaction, nested ones too, shares the client dialect and schema, on a session of its own', async () => {
    const root = parts(db().db)
    expect(root.dialect).toBeInstanceOf(PgDialect)
    expect(root._.schema).toBeDefined()
    const seen: DrizzleParts[] = []
    for (let i = 0; i < 2; i++) {
      await db().transaction(async (tx) => {
        seen.push(parts(tx.db))
        await tx.db.insert(tickers).values({ ticker: `DPC${i}`, region: 'KR' }).onConflictDoNothing()
        await tx.db.transaction(async (nested) => {
          seen.push(parts(nested))
          await nested.execute(sql`SELECT 1`)
        })
      })
    }
    await db().db.transaction(async (tx) => {
      seen.push(parts(tx))
      // The relational query builder works on the shared schema inside a transaction.
      expect(await tx.query.tickers.findFirst({ where: (t, { eq }) => eq(t.ticker, 'DPC1') })).toMatchObject({ ticker: 'DPC1' })
    })
    expect(seen).toHaveLength(5)
    for (const tx of seen) {
      expect(tx.dialect).toBe(root.dialect)
      expect(tx._.schema).toBe(root._.schema)
      expect(tx.session).not.toBe(root.session)
    }
    // Each of our transactions has a session of its own.
    expect(seen[0]!.session).not.toBe(seen[2]!.session)
  })
})
