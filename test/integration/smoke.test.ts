import { expect, it } from 'vitest'
import type { QueryRunner } from '../../src/drivers/types.js'
import { QuantDbError } from '../../src/errors.js'
import { tickers } from '../../src/schema/index.js'
import { forEachTarget } from '../helpers/targets.js'

forEachTarget('smoke', (target, db) => {
  it('migrates and round-trips a row', async () => {
    await db().db.insert(tickers).values({ ticker: 'AAA', region: 'KR' })
    const rows = await db().db.select().from(tickers)
    expect(rows.map((r) => r.ticker)).toEqual(['AAA'])
    expect(db().capabilities.timescale).toBe(target.timescale)
  })
})

forEachTarget('raw SQL', (_target, db) => {
  it('binds a Date parameter as the instant it is, in and out of a transaction', async () => {
    const at = new Date('2024-03-15T06:30:00.123Z')
    const sql = `SELECT extract(epoch FROM $1::timestamptz) * 1000 AS ms`
    const [outside] = await db().query<{ ms: string | number }>(sql, [at])
    expect(Number(outside?.ms)).toBe(at.getTime())
    const inside = await db().transaction((tx) => tx.query<{ ms: string | number }>(sql, [at]))
    expect(Number(inside[0]?.ms)).toBe(at.getTime())
  })

  it('reports a failing repository query as a QuantDbError carrying the SQLSTATE, not the SQL and its values', async () => {
    const error = await db().transaction(async (tx) => {
      // The tables are unqualified in drizzle's SQL: with an empty search_path the read fails on the server.
      await tx.query(`SET LOCAL search_path = pg_catalog`)
      return tx.tickers.find({ ticker: 'SECRET_VALUE', region: 'KR' })
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QuantDbError)
    expect(error).toMatchObject({ code: '42P01' })
    expect(String((error as Error).message)).not.toContain('SECRET_VALUE')
  })

  it("passes the caller's own error out of a transaction unchanged, after rolling back", async () => {
    class Abort extends Error {}
    const thrown = new Abort('changed my mind')
    const error = await db().transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'ROLLBACK', region: 'KR' }])
      throw thrown
    }).catch((e: unknown) => e)
    expect(error).toBe(thrown)
    expect(await db().tickers.find({ ticker: 'ROLLBACK', region: 'KR' })).toBeUndefined()
  })
})

forEachTarget('COPY', (_target, db) => {
  it('reports data the server refuses during COPY as an error, and the connection stays usable', async () => {
    const runner = (db().tickers as unknown as { ctx: { runner: QueryRunner } }).ctx.runner
    const error = await runner.transaction((tx) =>
      tx.copyCsv('tickers', ['ticker', 'region', 'market_cap'], 'CPY1,KR,1\nCPY2,KR,not-a-number\n')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QuantDbError)
    expect(error).toMatchObject({ code: '22P02' })
    expect(await db().tickers.find({ ticker: 'CPY1', region: 'KR' })).toBeUndefined()
    await runner.transaction((tx) => tx.copyCsv('tickers', ['ticker', 'region'], 'CPY3,KR\n'))
    expect((await db().tickers.get({ ticker: 'CPY3', region: 'KR' })).ticker).toBe('CPY3')
  })
})
