import { inspect } from 'node:util'
import { sql } from 'drizzle-orm'
import { expect, it } from 'vitest'
import { QuantDbError } from '../../src/index.js'
import { tickers } from '../../src/schema/index.js'
import { forEachTarget } from '../helpers/targets.js'

// Everything the library throws for a database failure is a QuantDbError, whoever wrote the query
// (a repository, or the user through qdb.db), and carries no bound value: not in its message, not in
// an enumerable property, not in its cause chain. The caller's own errors pass through untouched.

const SECRET = 'TopSecret-7f3a9c' // 16 characters: fits a ticker, so the server can quote it back
const LONG_SECRET = `${SECRET}-and-more-than-twenty`

/** What `call` rejected with, checked for the contract: a QuantDbError without any trace of SECRET. */
async function refusal(call: PromiseLike<unknown>): Promise<QuantDbError> {
  const error = await Promise.resolve(call).then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(QuantDbError)
  const printed = inspect(error, { depth: 10, showHidden: false })
  expect(printed).not.toContain(SECRET)
  expect(printed).not.toMatch(/Failed query|params:/)
  expect(JSON.stringify(error)).not.toContain(SECRET)
  return error as QuantDbError
}

forEachTarget('errors keep the contract', (_target, db) => {
  it("a failing qdb.db insert: QuantDbError, not drizzle's 'Failed query … params'", async () => {
    const e = await refusal(db().db.insert(tickers).values({ ticker: LONG_SECRET, region: 'KR' }))
    expect(e).toMatchObject({ reason: 'data', code: '22001' })
  })

  it('a value the server quotes back in its message is erased from message, fields and cause', async () => {
    const e = await refusal(db().db.execute(sql`SELECT ${SECRET}::int AS n`))
    expect(e).toMatchObject({ reason: 'data', code: '22P02' })
    expect(e.message).toMatch(/invalid input syntax for type integer/)
    await refusal(db().query('SELECT $1::int AS n', [SECRET]))
  })

  it('a unique violation through qdb.db keeps its constraint and table, not the key value', async () => {
    await db().db.insert(tickers).values({ ticker: SECRET, region: 'KR' })
    const e = await refusal(db().db.insert(tickers).values({ ticker: SECRET, region: 'KR' }))
    expect(e).toMatchObject({ reason: 'unique_violation', code: '23505', table: 'tickers' })
    expect(e.constraint).toBe('tickers_pkey')
    expect(e.detail).toMatch(/already exists/)
  })

  it('the same inside qdb.transaction and inside drizzle\'s own transaction', async () => {
    const inQdbTx = await refusal(db().transaction((tx) => tx.db.execute(sql`SELECT ${SECRET}::int AS n`)))
    expect(inQdbTx.code).toBe('22P02')
    const inDrizzleTx = await refusal(db().db.transaction((tx) => tx.insert(tickers).values({ ticker: LONG_SECRET, region: 'KR' })))
    expect(inDrizzleTx.code).toBe('22001')
    const nested = await refusal(db().db.transaction((tx) => tx.transaction((sp) => sp.execute(sql`SELECT ${SECRET}::int AS n`))))
    expect(nested.code).toBe('22P02')
  })

  it("the caller's own errors come back untouched, even with a code that looks like a database's", async () => {
    const mine = [
      Object.assign(new Error('no such file'), { code: 'ENOENT', errno: -2, syscall: 'open' }),
      Object.assign(new Error('upstream refused'), { code: 'ECONNREFUSED', errno: -111 }),
      Object.assign(new Error('my own rule'), { code: '23505' }),
    ]
    for (const error of mine) {
      const viaQdb = await db().transaction(async (tx) => {
        await tx.tickers.upsert([{ ticker: 'OWNERR', region: 'KR' }])
        throw error
      }).then(() => undefined, (e: unknown) => e)
      expect(viaQdb).toBe(error)
      const viaDrizzle = await db().db.transaction(async () => { throw error }).then(() => undefined, (e: unknown) => e)
      expect(viaDrizzle).toBe(error)
    }
    expect(await db().tickers.find({ ticker: 'OWNERR', region: 'KR' })).toBeUndefined()
  })
})
