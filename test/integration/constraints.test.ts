import { beforeAll, expect, it } from 'vitest'
import { QuantDbError } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

// The database's own CHECKs (spec 5.2) and foreign keys (5.1) are the last line of defence behind
// validation: raw SQL that bypasses the repositories must still be rejected, with the constraint named.

const bar = (o: Record<string, number>) => {
  const v = { open: 10, high: 12, low: 9, close: 11, volume: 100, ...o }
  return `INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
          VALUES ('CHK', 'KR', '2024-01-02', ${v.open}, ${v.high}, ${v.low}, ${v.close}, ${v.volume})`
}

async function rejection(run: () => Promise<unknown>): Promise<QuantDbError> {
  const error = await run().then(() => null, (e: unknown) => e)
  expect(error, 'the statement should have been rejected').toBeInstanceOf(QuantDbError)
  return error as QuantDbError
}

forEachTarget('constraints', (_target, db) => {
  beforeAll(async () => {
    await db().exec(`INSERT INTO tickers (ticker, region) VALUES ('CHK', 'KR')`)
  })

  const checks: [string, Record<string, number>][] = [
    ['chk_ohlcv_high_low', { high: 8, low: 9, open: 8, close: 8 }],
    ['chk_ohlcv_high_open', { open: 13 }],
    ['chk_ohlcv_high_close', { close: 13 }],
    ['chk_ohlcv_low_open', { open: 8.5 }],
    ['chk_ohlcv_low_close', { close: 8.5 }],
    ['chk_ohlcv_volume', { volume: -1 }],
  ]
  for (const [constraint, values] of checks) {
    it(`rejects a bar that breaks ${constraint}`, async () => {
      const e = await rejection(() => db().exec(bar(values)))
      expect(e.reason).toBe('check_violation')
      expect(e.constraint).toBe(constraint)
    })
  }

  it('accepts a bar that satisfies every OHLC rule', async () => {
    await db().exec(bar({}))
    expect(await db().query(`SELECT count(*)::int AS n FROM ohlcv_data WHERE ticker = 'CHK'`)).toEqual([{ n: 1 }])
  })

  it('rejects a total_score that is not the sum of the layers (chk_factor_total_score)', async () => {
    const e = await rejection(() => db().exec(`INSERT INTO factor_scores
      (ticker, region, calculation_date, layer1_total, layer2_total, layer3_total, total_score)
      VALUES ('CHK', 'KR', '2024-01-02', 10, 20, 30, 60.5)`))
    expect(e.reason).toBe('check_violation')
    expect(e.constraint).toBe('chk_factor_total_score')
  })

  it('rejects a non-positive position quantity (chk_portfolio_quantity)', async () => {
    const e = await rejection(() => db().exec(`INSERT INTO portfolio (ticker, region, quantity, avg_buy_price, entry_date)
      VALUES ('CHK', 'KR', 0, 10, '2024-01-02')`))
    expect(e.constraint).toBe('chk_portfolio_quantity')
  })

  it('rejects a non-positive trade quantity (chk_trades_quantity) and price (chk_trades_price)', async () => {
    const trade = (q: number, p: number) => `INSERT INTO trades (ticker, region, trade_date, trade_type, quantity, price, total_amount)
      VALUES ('CHK', 'KR', '2024-01-02', 'BUY', ${q}, ${p}, 0)`
    expect((await rejection(() => db().exec(trade(0, 10)))).constraint).toBe('chk_trades_quantity')
    expect((await rejection(() => db().exec(trade(1, 0)))).constraint).toBe('chk_trades_price')
  })

  it('rejects rows for unknown tickers (foreign keys of 5.1)', async () => {
    const e = await rejection(() => db().exec(`INSERT INTO portfolio (ticker, region, quantity, avg_buy_price, entry_date)
      VALUES ('NOPE', 'KR', 1, 10, '2024-01-02')`))
    expect(e.reason).toBe('foreign_key_violation')
    expect(e.constraint).toBe('fk_portfolio_ticker')
  })

  it('rejects a duplicate position (portfolio_ticker_region_key) as a unique violation', async () => {
    const insert = `INSERT INTO portfolio (ticker, region, quantity, avg_buy_price, entry_date) VALUES ('CHK', 'KR', 1, 10, '2024-01-02')`
    await db().exec(insert)
    const e = await rejection(() => db().exec(insert))
    expect(e.reason).toBe('unique_violation')
    expect(e.constraint).toBe('portfolio_ticker_region_key')
    expect(e.isRetryable).toBe(false)
  })
})
