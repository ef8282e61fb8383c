import { beforeAll, expect, it } from 'vitest'
import { createQuantDb, QuantDbError, ValidationError, type QuantDb, type TradeInput } from '../../src/index.js'
import { roundDivText } from '../../src/repos/portfolio/decimal.js'
import { tickers } from '../../src/schema/index.js'
import { forEachTarget } from '../helpers/targets.js'

// Every expected number below was worked out by hand (the derivation is in the comments), never
// taken from the code's own output. Each test uses its own tickers: the suite shares one database.

const trade = (t: Partial<TradeInput> & Pick<TradeInput, 'ticker' | 'tradeType' | 'quantity' | 'price'>): TradeInput =>
  ({ region: 'KR', tradeDate: '2024-01-02', ...t })

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

/** a / b rounded half away from zero to `scale` decimals, in BigInt: the reference for the SQL helper. */
function referenceRoundDiv(a: string, b: string, scale: number): string {
  const parse = (x: string) => {
    const [int, frac = ''] = x.replace('-', '').split('.')
    return { n: BigInt(int! + frac) * (x.startsWith('-') ? -1n : 1n), d: frac.length }
  }
  const A = parse(a)
  const B = parse(b)
  const num = A.n * 10n ** BigInt(B.d + scale)
  const den = B.n * 10n ** BigInt(A.d)
  const abs = (x: bigint) => (x < 0n ? -x : x)
  const q = (2n * abs(num) + abs(den)) / (2n * abs(den))
  const negative = q !== 0n && (num < 0n) !== (den < 0n)
  const digits = q.toString().padStart(scale + 1, '0')
  return `${negative ? '-' : ''}${digits.slice(0, digits.length - scale)}${scale > 0 ? `.${digits.slice(-scale)}` : ''}`
}

forEachTarget('portfolio trades', (target, db) => {
  beforeAll(async () => {
    const codes = ['RT', 'HW', 'REOPEN', 'HALF', 'BAD', 'CONC', 'CSELL', 'TX1', 'TX2', 'EMPTY', 'MULTI']
    await db().db.insert(tickers).values(codes.map((ticker) => ({ ticker, region: 'KR', sector: 'Tech' })))
  })

  it('round-trips a trade and its position, every field', async () => {
    const at = new Date('2024-01-02T00:30:00Z')
    const { trade: t, position } = await db().portfolio.applyTrade(trade({
      ticker: 'RT', tradeType: 'BUY', quantity: 7, price: 1234.5, commission: 1.25, slippageBps: 0,
      strategyName: 'momentum', signalSource: 'factor_v2', entryReason: 'top decile', orderId: 'ORD-1',
      executionTimestamp: at, notes: 'first lot',
    }))
    const expectedTrade = {
      ticker: 'RT', region: 'KR', tradeDate: '2024-01-02', tradeType: 'BUY', quantity: 7,
      price: 1234.5, totalAmount: 8641.5, commission: 1.25, slippageBps: 0, strategyName: 'momentum',
      signalSource: 'factor_v2', entryReason: 'top decile', orderId: 'ORD-1', notes: 'first lot',
      realizedPnl: null, realizedPnlPct: null, holdDays: null, executionTimestamp: at,
    }
    expect(t).toMatchObject(expectedTrade)
    // avg = (7 × 1234.5 + 1.25) / 7 = 8642.75 / 7 = 1234.67857… → 1234.6786
    const expectedPosition = {
      ticker: 'RT', region: 'KR', quantity: 7, avgBuyPrice: 1234.6786, entryDate: '2024-01-02', entrySignal: 'factor_v2',
      currentPrice: null, positionValue: null, weight: null, stopLossPrice: null,
    }
    expect(position).toMatchObject(expectedPosition)
    expect(await db().portfolio.position('RT', 'KR')).toMatchObject(expectedPosition)
    expect(await db().portfolio.positions({ region: 'KR' })).toContainEqual(expect.objectContaining(expectedPosition))
    const listed = await db().portfolio.trades({ ticker: 'RT', region: 'KR' })
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({ ...expectedTrade, tradeId: t.tradeId })
    expect(await db().portfolio.position('NOPE', 'KR')).toBeUndefined()
  })

  it('hand-worked example: two buys at different prices with fees and slippage, a partial sell, a full close', async () => {
    const { portfolio } = db()
    // Buy 100 @ 50.00, commission 5: executed 50.0000; amount 5,000.00; avg = (5000 + 5) / 100 = 50.0500.
    const b1 = await portfolio.applyTrade(trade({ ticker: 'HW', tradeType: 'BUY', quantity: 100, price: 50, commission: 5 }))
    expect(b1.trade).toMatchObject({ price: 50, totalAmount: 5000, commission: 5, slippageBps: 0, realizedPnl: null })
    expect(b1.position).toMatchObject({ quantity: 100, avgBuyPrice: 50.05, entryDate: '2024-01-02' })

    // Buy 50 @ 56.00, 10 bps slippage, commission 2.50: executed 56 × 1.001 = 56.0560; amount 50 × 56.056 = 2,802.80;
    // avg = (100 × 50.05 + 2802.80 + 2.50) / 150 = 7810.30 / 150 = 52.068666… → 52.0687. Entry date unchanged.
    const b2 = await portfolio.applyTrade(trade({
      ticker: 'HW', tradeType: 'BUY', quantity: 50, price: 56, commission: 2.5, slippageBps: 10, tradeDate: '2024-01-20',
    }))
    expect(b2.trade).toMatchObject({ price: 56.056, totalAmount: 2802.8, commission: 2.5, slippageBps: 10 })
    expect(b2.position).toMatchObject({ quantity: 150, avgBuyPrice: 52.0687, entryDate: '2024-01-02' })

    // Sell 60 @ 60.00, 20 bps slippage, commission 3: executed 60 × 0.998 = 59.8800; amount 3,592.80;
    // realized = 3592.80 − 3 − 60 × 52.0687 = 3589.80 − 3124.122 = 465.6780;
    // pct = 465.678 / 3124.122 = 0.14905884 → 0.149059; hold = 2024-01-02 → 2024-02-15 = 44 days.
    const s1 = await portfolio.applyTrade(trade({
      ticker: 'HW', tradeType: 'SELL', quantity: 60, price: 60, commission: 3, slippageBps: 20, tradeDate: '2024-02-15',
    }))
    expect(s1.trade).toMatchObject({
      tradeType: 'SELL', price: 59.88, totalAmount: 3592.8, realizedPnl: 465.678, realizedPnlPct: 0.149059, holdDays: 44,
    })
    expect(s1.position).toMatchObject({ quantity: 90, avgBuyPrice: 52.0687 })

    // Sell the remaining 90 @ 45.00, commission 4: amount 4,050.00; realized = 4050 − 4 − 90 × 52.0687
    // = 4046 − 4686.183 = −640.1830; pct = −640.183 / 4686.183 = −0.13661076 → −0.136611;
    // hold = 2024-01-02 → 2024-03-01 = 59 days (leap year). The position is closed: the row is gone.
    const s2 = await portfolio.applyTrade(trade({
      ticker: 'HW', tradeType: 'SELL', quantity: 90, price: 45, commission: 4, tradeDate: '2024-03-01',
    }))
    expect(s2.trade).toMatchObject({ price: 45, totalAmount: 4050, realizedPnl: -640.183, realizedPnlPct: -0.136611, holdDays: 59 })
    expect(s2.position).toBeUndefined()
    expect(await portfolio.position('HW', 'KR')).toBeUndefined()

    const history = await portfolio.trades({ ticker: 'HW' })
    expect(history.map((t) => [t.tradeType, t.quantity])).toEqual([['BUY', 100], ['BUY', 50], ['SELL', 60], ['SELL', 90]])
    expect(await portfolio.trades({ ticker: 'HW', tradeType: 'SELL', from: '2024-03-01' })).toHaveLength(1)
    // Cash out 5005 + 2805.30 = 7810.30, cash in 3589.80 + 4046 = 7635.80: net −174.50. The realized PnL sums to
    // 465.678 − 640.183 = −174.505; the 0.005 gap is the average's rounding (52.0687 vs 52.0686667, × 150 shares).
    expect(s1.trade.realizedPnl! + s2.trade.realizedPnl!).toBeCloseTo(-174.505, 10)
  })

  it('rounds an exact half away from zero, once', async () => {
    // Buy 1 @ 10.0001 then 1 @ 10.0000: avg = 20.0001 / 2 = 10.00005 exactly → 10.0001 (half away from zero).
    await db().portfolio.applyTrade(trade({ ticker: 'HALF', tradeType: 'BUY', quantity: 1, price: 10.0001 }))
    const { position } = await db().portfolio.applyTrade(trade({ ticker: 'HALF', tradeType: 'BUY', quantity: 1, price: 10 }))
    expect(position).toMatchObject({ quantity: 2, avgBuyPrice: 10.0001 })
    // A third share @ 10.0002 with commission 0.0001: (2 × 10.0001 + 10.0002 + 0.0001) / 3 = 30.0005 / 3 = 10.000166… → 10.0002.
    const third = await db().portfolio.applyTrade(trade({ ticker: 'HALF', tradeType: 'BUY', quantity: 1, price: 10.0002, commission: 0.0001 }))
    expect(third.position).toMatchObject({ quantity: 3, avgBuyPrice: 10.0002 })
    // 0.1 is 0.1: selling 3 @ 10.1 (no fees) realizes 3 × 10.1 − 3 × 10.0002 = 30.3 − 30.0006 = 0.2994 exactly.
    const sold = await db().portfolio.applyTrade(trade({ ticker: 'HALF', tradeType: 'SELL', quantity: 3, price: 10.1 }))
    expect(sold.trade).toMatchObject({ totalAmount: 30.3, realizedPnl: 0.2994, holdDays: 0 })
  })

  it('rounds quotients once and exactly (checked against BigInt arithmetic)', async () => {
    const cases: [string, string, number][] = [
      ['20.0001', '2', 4], ['-20.0001', '2', 4], ['1', '-8', 2], ['2', '3', 6], ['-2', '3', 6], ['0', '7', 4],
      // 20,000,001,489,999.9992 / 1,999,999,999 = 10,000.00075 − 2.5e-14: PostgreSQL's own division keeps
      // 12 decimals (10000.000750000000), so round(a / b, 4) says 10000.0008; the exact answer is 10000.0007.
      ['20000001489999.9992', '1999999999', 4], ['465.678', '3124.122', 6], ['7810.3', '150', 4],
      ['99999999999999.9999', '2147483647', 4], ['123456789012.3456', '0.0007', 6],
    ]
    for (let i = 1; i <= 40; i++) {
      // exact half points k.5 × 10^-4 scaled by an odd divisor, and pseudo-random pairs
      cases.push([String(((2 * i + 1) * 7919) / 2e4), '7919', 4])
      cases.push([((i * 7_654_321) % 99_991 / 97).toFixed(4), String((i * 31) % 997 + 1), 6])
    }
    for (const [a, b, scale] of cases) {
      const [row] = await db().query<{ v: string }>(`SELECT ${roundDivText('$1::numeric', '$2::numeric', scale)}::text AS v`, [a, b])
      expect(row!.v, `${a} / ${b}`).toBe(referenceRoundDiv(a, b, scale))
    }
  })

  it('opens a fresh position with a new entry date after a full close', async () => {
    await db().portfolio.applyTrade(trade({ ticker: 'REOPEN', tradeType: 'BUY', quantity: 10, price: 100, tradeDate: '2024-01-02' }))
    await db().portfolio.applyTrade(trade({ ticker: 'REOPEN', tradeType: 'SELL', quantity: 10, price: 110, tradeDate: '2024-01-10' }))
    const { position } = await db().portfolio.applyTrade(trade({ ticker: 'REOPEN', tradeType: 'BUY', quantity: 4, price: 90, tradeDate: '2024-02-01' }))
    expect(position).toMatchObject({ quantity: 4, avgBuyPrice: 90, entryDate: '2024-02-01' })
  })

  it('rejects bad trades naming the field, and writes nothing', async () => {
    await db().portfolio.applyTrade(trade({ ticker: 'BAD', tradeType: 'BUY', quantity: 10, price: 100, tradeDate: '2024-01-10' }))
    const cases: [Partial<TradeInput> & Record<string, unknown>, string][] = [
      [{ quantity: 11, tradeType: 'SELL' }, 'quantity'], // more than the 10 held
      [{ ticker: 'EMPTY', tradeType: 'SELL' }, 'quantity'], // nothing held
      [{ tradeType: 'SELL', tradeDate: '2024-01-09' }, 'tradeDate'], // before the entry date
      [{ tradeType: 'SELL', price: 0.0001, slippageBps: 9000 }, 'slippageBps'], // executed price 0.00001 → 0
      [{ ticker: 'UNLISTED' }, 'ticker'], // not in tickers (foreign key)
      [{ quantity: 0 }, 'quantity'],
      [{ price: -1 }, 'price'],
      [{ region: 'XX' }, 'region'],
      [{ commission: -1 }, 'commission'],
      [{ tradeDate: '2024-02-30' }, 'tradeDate'],
      [{ quantity: 2_147_483_640 }, 'quantity'], // 10 + 2,147,483,640 overflows the INTEGER quantity
      [{ tradeType: 'SELL', price: 2_000_000 }, 'price'], // (2,000,000 − 100) / 100 = 19,999 = 1,999,900% > NUMERIC(10, 6)
    ]
    for (const [change, field] of cases) {
      const e = await failure(db().portfolio.applyTrade(trade({ ticker: 'BAD', tradeType: 'BUY', quantity: 1, price: 100, tradeDate: '2024-01-10', ...change })))
      expect(e, JSON.stringify(change)).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).issues[0], JSON.stringify(change)).toMatchObject({ row: 0, field })
    }
    expect(await db().portfolio.position('BAD', 'KR')).toMatchObject({ quantity: 10, avgBuyPrice: 100 })
    expect(await db().portfolio.trades({ ticker: 'BAD' })).toHaveLength(1)
    expect(await db().portfolio.trades({ ticker: 'UNLISTED' })).toHaveLength(0)
  })

  it('concurrent buys on one new position lose no update', async () => {
    // 20 buys of 10 shares at 23,279.256 × m (m = 1..20), all at once through the pool. Prices are
    // multiples of lcm(1..20) / 10^4, so every intermediate average is exact whatever the order:
    // avg = 23,279.256 × (1 + … + 20) / 20 = 23,279.256 × 10.5 = 244,432.188.
    const buys = Array.from({ length: 20 }, (_, i) =>
      db().portfolio.applyTrade(trade({ ticker: 'CONC', tradeType: 'BUY', quantity: 10, price: Number((23_279.256 * (i + 1)).toFixed(3)) })))
    await Promise.all(buys)
    expect(await db().portfolio.position('CONC', 'KR')).toMatchObject({ quantity: 200, avgBuyPrice: 244_432.188 })
    expect(await db().portfolio.trades({ ticker: 'CONC' })).toHaveLength(20)
  })

  it('concurrent sells never sell more than is held', async () => {
    await db().portfolio.applyTrade(trade({ ticker: 'CSELL', tradeType: 'BUY', quantity: 100, price: 10 }))
    const sells = Array.from({ length: 15 }, () =>
      failure(db().portfolio.applyTrade(trade({ ticker: 'CSELL', tradeType: 'SELL', quantity: 10, price: 12 }))))
    const outcomes = await Promise.all(sells)
    const rejected = outcomes.filter((e) => e !== undefined)
    expect(rejected).toHaveLength(5)
    for (const e of rejected) expect((e as ValidationError).issues[0]).toMatchObject({ field: 'quantity' })
    const sold = await db().portfolio.trades({ ticker: 'CSELL', tradeType: 'SELL' })
    expect(sold).toHaveLength(10)
    // Each sale: 10 × 12 − 10 × 10 = 20.
    expect(sold.every((t) => t.realizedPnl === 20)).toBe(true)
    expect(await db().portfolio.position('CSELL', 'KR')).toBeUndefined()
  })

  it('several connections trading the same position at once lose no update', async () => {
    // Server: four separate clients (four connection pools) on the same database. Embedded: the one
    // in-process engine is the only connection, so the four "clients" are the same database and the
    // calls interleave on it. Each client runs 5 rounds of (buy 10 @ 100, sell 7 @ 110, commission 0.70).
    // Opening lot 1,000 @ 100, so the average stays exactly 100 whatever the order:
    //   quantity = 1,000 + 4 × 5 × (10 − 7) = 1,060;
    //   each sale realizes 7 × 110 − 0.70 − 7 × 100 = 69.30, i.e. 69.30 / 700 = 0.099; 20 sales = 1,386.
    await db().portfolio.applyTrade(trade({ ticker: 'MULTI', tradeType: 'BUY', quantity: 1_000, price: 100 }))
    const clients: QuantDb[] = target.remote
      ? await Promise.all(Array.from({ length: 4 }, () => createQuantDb({ url: db().url!, logger: {}, pool: { max: 2 } })))
      : Array.from({ length: 4 }, () => db())
    try {
      await Promise.all(clients.map(async (client, c) => {
        for (let round = 0; round < 5; round++) {
          await client.portfolio.applyTrade(trade({ ticker: 'MULTI', tradeType: 'BUY', quantity: 10, price: 100, orderId: `C${c}-B${round}` }))
          await client.portfolio.applyTrade(trade({ ticker: 'MULTI', tradeType: 'SELL', quantity: 7, price: 110, commission: 0.7, orderId: `C${c}-S${round}` }))
        }
      }))
    } finally {
      if (target.remote) await Promise.all(clients.map((c) => c.close()))
    }
    expect(await db().portfolio.position('MULTI', 'KR')).toMatchObject({ quantity: 1_060, avgBuyPrice: 100 })
    const history = await db().portfolio.trades({ ticker: 'MULTI' })
    expect(history).toHaveLength(41)
    const sells = history.filter((t) => t.tradeType === 'SELL')
    expect(sells).toHaveLength(20)
    expect(sells.every((t) => t.realizedPnl === 69.3 && t.realizedPnlPct === 0.099 && t.totalAmount === 770)).toBe(true)
    expect(Math.round(sells.reduce((sum, t) => sum + t.realizedPnl!, 0) * 100) / 100).toBe(1_386)
    // The trades add up to the position: 1,000 + 20 × 10 − 20 × 7.
    const net = history.reduce((q, t) => q + (t.tradeType === 'BUY' ? t.quantity : -t.quantity), 0)
    expect(net).toBe(1_060)
  })

  it('a rejected step inside qdb.transaction rolls back every write of that transaction', async () => {
    const e = await failure(db().transaction(async (tx) => {
      await tx.portfolio.applyTrade(trade({ ticker: 'TX1', tradeType: 'BUY', quantity: 10, price: 100 }))
      await tx.portfolio.applyTrade(trade({ ticker: 'TX1', tradeType: 'SELL', quantity: 11, price: 100 }))
    }))
    expect(e).toBeInstanceOf(ValidationError)
    expect(await db().portfolio.position('TX1', 'KR')).toBeUndefined()
    expect(await db().portfolio.trades({ ticker: 'TX1' })).toHaveLength(0)
  })

  it('a rejection caught inside qdb.transaction undoes only that step (savepoint)', async () => {
    // A refusal AFTER the trade has written: a BUY moves the position first and inserts the trade
    // second; this CHECK (of this test only) makes the server refuse the trade row. Only the savepoint's
    // rollback undoes the position's move (and, on a failed statement, keeps the transaction usable).
    await db().exec(`ALTER TABLE trades ADD CONSTRAINT test_refuse_order CHECK (order_id IS DISTINCT FROM 'REFUSE-ME') NOT VALID`)
    try {
      await db().transaction(async (tx) => {
        await tx.portfolio.applyTrade(trade({ ticker: 'TX2', tradeType: 'BUY', quantity: 10, price: 100 }))
        for (const bad of [
          trade({ ticker: 'UNLISTED', tradeType: 'BUY', quantity: 1, price: 1 }),
          trade({ ticker: 'TX2', tradeType: 'SELL', quantity: 11, price: 1 }),
        ]) {
          expect(await failure(tx.portfolio.applyTrade(bad))).toBeInstanceOf(ValidationError)
        }
        const late = await failure(tx.portfolio.applyTrade(trade({ ticker: 'TX2', tradeType: 'BUY', quantity: 5, price: 90, orderId: 'REFUSE-ME' })))
        expect(late).toBeInstanceOf(QuantDbError)
        expect(late).toMatchObject({ reason: 'check_violation', constraint: 'test_refuse_order' })
        // The position is as before the refused BUY: 10 @ 100, not 15 @ 96.6667.
        expect(await tx.portfolio.position('TX2', 'KR')).toMatchObject({ quantity: 10, avgBuyPrice: 100 })
        await tx.portfolio.applyTrade(trade({ ticker: 'TX2', tradeType: 'SELL', quantity: 4, price: 110 }))
      })
    } finally {
      await db().exec('ALTER TABLE trades DROP CONSTRAINT test_refuse_order')
    }
    expect(await db().portfolio.position('TX2', 'KR')).toMatchObject({ quantity: 6, avgBuyPrice: 100 })
    expect(await db().portfolio.trades({ ticker: 'TX2' })).toHaveLength(2)
  })
})
