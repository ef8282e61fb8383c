import { expect, it } from 'vitest'
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
