import { beforeAll, expect, it } from 'vitest'
import type { TradeInput } from '../../src/index.js'
import { tickers } from '../../src/schema/index.js'
import { forEachTarget } from '../helpers/targets.js'

// docs/portfolio-arithmetic.md: every stored value is rounded once, HALF AWAY FROM ZERO, to its column's
// scale. Each case below puts the deciding digit just past the column's last decimal, so truncation
// (trunc), banker's rounding (half to even) or a rounding at the wrong step gives a different number.
// Every expected value is worked by hand in the comment next to it; none comes from the code's output.

const trade = (t: Partial<TradeInput> & Pick<TradeInput, 'ticker' | 'tradeType' | 'quantity' | 'price'>): TradeInput =>
  ({ region: 'KR', tradeDate: '2024-01-02', ...t })

const CODES = ['RND1', 'RND2', 'RND3', 'RND4', 'RND5', 'RND6', 'RND7', 'RND8', 'RND9', 'RND10', 'RND11']

forEachTarget('portfolio rounding', (_target, db) => {
  beforeAll(async () => {
    await db().db.insert(tickers).values(CODES.map((ticker) => ({ ticker, region: 'KR' })))
  })

  it('BUY executed price: 99.99 with 15 bps executes at 100.1400, not 100.1399', async () => {
    // 99.99 × (10000 + 15) / 10000 = 99.99 × 1.0015 = 99.99 + 0.149985 = 100.139985
    //   → 4 decimals: the 5th digit is 8 → 100.1400 (trunc would say 100.1399)
    // total = 15 × 100.1400 = 1502.1000 → 1502.10; avg = 1502.10 / 15 = 100.1400
    const { trade: t, position } = await db().portfolio.applyTrade(trade({ ticker: 'RND1', tradeType: 'BUY', quantity: 15, price: 99.99, slippageBps: 15 }))
    expect(t).toMatchObject({ price: 100.14, totalAmount: 1502.1, slippageBps: 15 })
    expect(position).toMatchObject({ quantity: 15, avgBuyPrice: 100.14 })
  })

  it('BUY executed price exactly half way rounds away from zero (not to even, not down)', async () => {
    // 2.5 × 1.0001 = 2.50025: exactly half a unit of the 4th decimal
    //   half away from zero → 2.5003; half to even → 2.5002; trunc → 2.5002
    // total = 2 × 2.5003 = 5.0006 → 5.00; avg = 5.0006 / 2 = 2.5003
    const { trade: t, position } = await db().portfolio.applyTrade(trade({ ticker: 'RND2', tradeType: 'BUY', quantity: 2, price: 2.5, slippageBps: 1 }))
    expect(t).toMatchObject({ price: 2.5003, totalAmount: 5 })
    expect(position).toMatchObject({ avgBuyPrice: 2.5003 })
  })

  it('BUY total amount: an exact half cent rounds up, a third decimal of 6 rounds up', async () => {
    // 2 × 10.0025 = 20.005: exactly half a cent → 20.01 (half to even and trunc both say 20.00)
    const half = await db().portfolio.applyTrade(trade({ ticker: 'RND3', tradeType: 'BUY', quantity: 2, price: 10.0025 }))
    expect(half.trade).toMatchObject({ price: 10.0025, totalAmount: 20.01 })
    // 3 × 10.1255 = 30.3765 → 30.38 (trunc says 30.37)
    const six = await db().portfolio.applyTrade(trade({ ticker: 'RND4', tradeType: 'BUY', quantity: 3, price: 10.1255 }))
    expect(six.trade).toMatchObject({ price: 10.1255, totalAmount: 30.38 })
    // avg of RND4 = 30.3765 / 3 = 10.1255 (the cost basis uses the unrounded notional)
    expect(six.position).toMatchObject({ avgBuyPrice: 10.1255 })
  })

  it('SELL executed price and a loss: 100.01 less 15 bps executes at 99.8600, not 99.8599', async () => {
    // BUY 10 @ 100 → avg (10 × 100) / 10 = 100.0000
    await db().portfolio.applyTrade(trade({ ticker: 'RND5', tradeType: 'BUY', quantity: 10, price: 100 }))
    // SELL 3 @ 100.01, 15 bps: 100.01 × (10000 − 15) / 10000 = 100.01 × 0.9985 = 100.01 − 0.150015 = 99.859985
    //   → 4 decimals: the 5th digit is 8 → 99.8600 (trunc would say 99.8599)
    // total = 3 × 99.86 = 299.58; realized = 299.58 − 0 − 3 × 100 = −0.4200; pct = −0.42 / 300 = −0.001400
    const { trade: t, position } = await db().portfolio.applyTrade(trade({
      ticker: 'RND5', tradeType: 'SELL', quantity: 3, price: 100.01, slippageBps: 15, tradeDate: '2024-01-05',
    }))
    expect(t).toMatchObject({ price: 99.86, totalAmount: 299.58, realizedPnl: -0.42, realizedPnlPct: -0.0014, holdDays: 3 })
    expect(position).toMatchObject({ quantity: 7, avgBuyPrice: 100 })
  })

  it('SELL executed price exactly half way, and a total whose rounding crosses a whole unit', async () => {
    // BUY 4 @ 2 → avg 2.0000
    await db().portfolio.applyTrade(trade({ ticker: 'RND6', tradeType: 'BUY', quantity: 4, price: 2 }))
    // SELL 4 @ 1.5, 1 bps: 1.5 × 0.9999 = 1.49985: exactly half → away from zero 1.4999
    //   (half to even → 1.4998, trunc → 1.4998)
    // total = 4 × 1.4999 = 5.9996 → 6.00 (trunc → 5.99)
    // realized = 5.9996 − 0 − 4 × 2 = −2.0004; pct = −2.0004 / 8 = −0.25005 → −0.250050 (exact)
    const { trade: t, position } = await db().portfolio.applyTrade(trade({ ticker: 'RND6', tradeType: 'SELL', quantity: 4, price: 1.5, slippageBps: 1 }))
    expect(t).toMatchObject({ price: 1.4999, totalAmount: 6, realizedPnl: -2.0004, realizedPnlPct: -0.25005 })
    expect(position).toBeUndefined()
  })

  it('realized PnL percent: a loss and a gain of exactly half a unit round away from zero, both signs', async () => {
    // BUY 8 @ 10 → avg 10; SELL 8 @ 10 with commission 0.0002:
    // realized = 8 × 10 − 0.0002 − 8 × 10 = −0.0002; pct = −0.0002 / 80 = −0.0000025 → −0.000003
    //   (trunc → −0.000002, half to even → −0.000002)
    await db().portfolio.applyTrade(trade({ ticker: 'RND7', tradeType: 'BUY', quantity: 8, price: 10 }))
    const loss = await db().portfolio.applyTrade(trade({ ticker: 'RND7', tradeType: 'SELL', quantity: 8, price: 10, commission: 0.0002 }))
    expect(loss.trade).toMatchObject({ realizedPnl: -0.0002, realizedPnlPct: -0.000003 })
    // BUY 8 @ 10 → avg 10; SELL 8 @ 10.0001 with commission 0.0006:
    // total = 80.0008 → 80.00; realized = 80.0008 − 0.0006 − 80 = 0.0002; pct = 0.0002 / 80 = 0.0000025 → 0.000003
    await db().portfolio.applyTrade(trade({ ticker: 'RND8', tradeType: 'BUY', quantity: 8, price: 10 }))
    const gain = await db().portfolio.applyTrade(trade({ ticker: 'RND8', tradeType: 'SELL', quantity: 8, price: 10.0001, commission: 0.0006 }))
    expect(gain.trade).toMatchObject({ totalAmount: 80, realizedPnl: 0.0002, realizedPnlPct: 0.000003 })
  })

  it('average buy price exactly half way rounds away from zero', async () => {
    // BUY 2 @ 10.0001, commission 0.0003: cost = 2 × 10.0001 + 0.0003 = 20.0005; avg = 20.0005 / 2 = 10.00025
    //   → 10.0003 (trunc and half to even → 10.0002)
    const { position } = await db().portfolio.applyTrade(trade({ ticker: 'RND9', tradeType: 'BUY', quantity: 2, price: 10.0001, commission: 0.0003 }))
    expect(position).toMatchObject({ avgBuyPrice: 10.0003 })
  })

  it('commission and slippage inputs are rounded half away from zero to their columns', async () => {
    // commission 0.00005 → NUMERIC(18, 4): 0.0001 (trunc → 0); avg = (1 × 10 + 0.0001) / 1 = 10.0001
    const c = await db().portfolio.applyTrade(trade({ ticker: 'RND10', tradeType: 'BUY', quantity: 1, price: 10, commission: 0.00005 }))
    expect(c.trade).toMatchObject({ commission: 0.0001 })
    expect(c.position).toMatchObject({ avgBuyPrice: 10.0001 })
    // slippage 0.005 bps → NUMERIC(6, 2): 0.01 (trunc → 0.00); executed = 10000 × (10000 + 0.01) / 10000 = 10000.01
    const s = await db().portfolio.applyTrade(trade({ ticker: 'RND11', tradeType: 'BUY', quantity: 1, price: 10_000, slippageBps: 0.005 }))
    expect(s.trade).toMatchObject({ slippageBps: 0.01, price: 10_000.01, totalAmount: 10_000.01 })
  })
})
