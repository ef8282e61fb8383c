// A service's own test suite on `@quant/db/testing` (`npm run example:service-tests`): each suite gets
// a throw-away migrated database — embedded by default, or a new database on the server of
// QUANTDB_TEST_URL with `--url` — and drops it after.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTestDb, type TestDb } from '@quant/db/testing'
import { NotFoundError } from '@quant/db'
import { sellStopLosses } from './rebalancer.js'

let qdb: TestDb
const url = process.env['EXAMPLE_DATABASE_URL']

beforeAll(async () => {
  qdb = url ? await createTestDb({ mode: 'postgres', adminUrl: url }) : await createTestDb()
  await qdb.tickers.upsert([{ ticker: '005930', region: 'KR', sector: 'Tech' }, { ticker: '000660', region: 'KR', sector: 'Tech' }])
  for (const ticker of ['005930', '000660']) {
    await qdb.portfolio.applyTrade({ ticker, region: 'KR', tradeDate: '2024-06-03', tradeType: 'BUY', quantity: 10, price: 100 })
  }
  await qdb.portfolio.setRiskLimits({ ticker: '005930', region: 'KR', stopLossPrice: 90 })
  await qdb.portfolio.setRiskLimits({ ticker: '000660', region: 'KR', stopLossPrice: 80 })
})
afterAll(() => qdb?.close())

it('sells exactly the positions whose stop-loss the prices cross, at those prices', async () => {
  const sold = await sellStopLosses(qdb, [
    { ticker: '005930', region: 'KR', price: 89 },   // through 90: sold
    { ticker: '000660', region: 'KR', price: 85 },   // above 80: kept
  ], '2024-06-10')
  expect(sold.map((s) => [s.trade.ticker, s.trade.quantity, s.trade.price])).toEqual([['005930', 10, 89]])
  // realized = 10 × 89 − 10 × 100 = −110
  expect(sold[0]!.trade.realizedPnl).toBe(-110)
  await expect(qdb.portfolio.getPosition({ ticker: '005930', region: 'KR' })).rejects.toBeInstanceOf(NotFoundError)
  expect(await qdb.portfolio.findPosition({ ticker: '000660', region: 'KR' })).toMatchObject({ quantity: 10 })
})
