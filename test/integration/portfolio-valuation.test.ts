import { beforeAll, expect, it } from 'vitest'
import { NotFoundError, ValidationError, type TradeInput } from '../../src/index.js'
import { portfolioSnapshots, tickers } from '../../src/schema/index.js'
import { forEachTarget } from '../helpers/targets.js'

// Weights, snapshots and performance depend on the whole portfolio, so each test starts from an empty
// one (reset). Every expected number was worked out by hand; the derivations are in the comments.

const buy = (ticker: string, region: string, quantity: number, price: number, extra: Partial<TradeInput> = {}): TradeInput =>
  ({ ticker, region, tradeDate: '2024-03-01', tradeType: 'BUY', quantity, price, ...extra })

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)

forEachTarget('portfolio valuation', (target, db) => {
  const reset = () => db().exec('DELETE FROM trades; DELETE FROM portfolio; DELETE FROM portfolio_snapshots; DELETE FROM ohlcv_data')
  const buyAll = async (trades: TradeInput[]) => {
    for (const t of trades) await db().portfolio.applyTrade(t)
  }

  beforeAll(async () => {
    await db().db.insert(tickers).values([
      { ticker: 'MA', region: 'KR', sector: 'Tech' }, { ticker: 'MB', region: 'KR', sector: 'Finance' },
      { ticker: 'MC', region: 'US', sector: null }, { ticker: 'MD', region: 'KR', sector: 'Tech' },
      { ticker: 'ME', region: 'KR', sector: 'Energy' },
    ])
  })

  it('marks to market: prices, unrealized PnL, values and weights of all positions', async () => {
    await reset()
    // MA 10 @ 100 → avg 100; MB 20 @ 50 + 3 commission → avg (1000 + 3) / 20 = 50.15; MC 5 @ 200 → avg 200.
    await buyAll([buy('MA', 'KR', 10, 100), buy('MB', 'KR', 20, 50, { commission: 3 }), buy('MC', 'US', 5, 200)])
    const first = await db().portfolio.markToMarket([
      { ticker: 'MA', region: 'KR', price: 110 }, { ticker: 'MB', region: 'KR', price: 45.5 }, { ticker: 'ZZZ', region: 'US', price: 1 },
    ])
    expect(first).toMatchObject({ priced: 2, unmatched: [{ ticker: 'ZZZ', region: 'US' }] })
    // MA: 10 × (110 − 100) = 100; 10 / 100 = 0.1; value 1,100. MB: 20 × (45.5 − 50.15) = −93; −4.65 / 50.15 = −0.0927218… → −0.092722;
    // value 910. MC never priced: counts in the weights at cost, 5 × 200 = 1,000. Total 3,010:
    // weights 1100/3010 = 0.365449, 910/3010 = 0.302326, 1000/3010 = 0.332226.
    expect(first.positions).toMatchObject([
      { ticker: 'MA', currentPrice: 110, unrealizedPnl: 100, unrealizedPnlPct: 0.1, positionValue: 1100, weight: 0.365449 },
      { ticker: 'MB', currentPrice: 45.5, unrealizedPnl: -93, unrealizedPnlPct: -0.092722, positionValue: 910, weight: 0.302326 },
      { ticker: 'MC', currentPrice: null, unrealizedPnl: null, unrealizedPnlPct: null, positionValue: null, weight: 0.332226 },
    ])

    // A Map with MC only: MA and MB keep their last prices. MC: 5 × 10 = 50, 0.05, value 1,050.
    // Total 1100 + 910 + 1050 = 3,060: weights 0.359477, 0.297386, 0.343137.
    const second = await db().portfolio.markToMarket(new Map([['MC:US', 210]]))
    expect(second.priced).toBe(1)
    expect(second.positions).toMatchObject([
      { ticker: 'MA', currentPrice: 110, positionValue: 1100, weight: 0.359477 },
      { ticker: 'MB', currentPrice: 45.5, positionValue: 910, weight: 0.297386 },
      { ticker: 'MC', currentPrice: 210, unrealizedPnl: 50, unrealizedPnlPct: 0.05, positionValue: 1050, weight: 0.343137 },
    ])

    // After selling 4 MA, marking MA at 120 values the 6 left: 6 × 20 = 120, 0.2, value 720.
    // Total 720 + 910 + 1050 = 2,680: weights 0.268657, 0.339552, 0.391791.
    await db().portfolio.applyTrade({ ...buy('MA', 'KR', 4, 115), tradeType: 'SELL', tradeDate: '2024-06-05' })
    const third = await db().portfolio.markToMarket([{ ticker: 'MA', region: 'KR', price: 120 }])
    expect(third.positions.map((p) => [p.ticker, p.quantity, p.unrealizedPnl, p.unrealizedPnlPct, p.positionValue, p.weight])).toEqual([
      ['MA', 6, 120, 0.2, 720, 0.268657], ['MB', 20, -93, -0.092722, 910, 0.339552], ['MC', 5, 50, 0.05, 1050, 0.391791],
    ])
    expect(await db().portfolio.findPosition({ ticker: 'MA', region: 'KR' })).toMatchObject({ currentPrice: 120, weight: 0.268657 })
  })

  it('rejects bad prices and dates, and writes nothing', async () => {
    await reset()
    await buyAll([buy('MA', 'KR', 10, 100)])
    const cases: [Parameters<ReturnType<typeof db>['portfolio']['markToMarket']>, number, string][] = [
      [[[{ ticker: 'MA', region: 'KR', price: 0 }]], 0, 'price'],
      [[[{ ticker: 'MA', region: 'XX', price: 1 }]], 0, 'region'],
      [[[{ ticker: 'MA', region: 'KR', price: 1 }, { ticker: 'MA', region: 'KR', price: 2 }]], 1, 'ticker'],
    ]
    for (const [args, row, field] of cases) {
      const e = await failure(db().portfolio.markToMarket(...args))
      expect(e, JSON.stringify(args)).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).issues[0]).toMatchObject({ row, field })
    }
    expect(await db().portfolio.findPosition({ ticker: 'MA', region: 'KR' })).toMatchObject({ currentPrice: null, weight: null })
  })

  it('rejects bad snapshot, risk-limit and performance arguments naming the field, and writes nothing', async () => {
    await reset()
    await buyAll([buy('MA', 'KR', 10, 100)])
    const cases: [() => Promise<unknown>, string][] = [
      [() => db().portfolio.snapshot({ snapshotDate: '2024-02-30', cash: 1 }), 'snapshotDate'],
      [() => db().portfolio.snapshot({ snapshotDate: '2024-03-01', cash: Number.NaN }), 'cash'],
      [() => db().portfolio.snapshot({ snapshotDate: '2024-03-01', cash: 1e17 }), 'cash'], // beyond NUMERIC(18, 2)
      [() => db().portfolio.snapshot({ snapshotDate: '2024-03-01', cash: 1, extra: 1 } as never), '(row)'],
      [() => db().portfolio.setRiskLimits({ ticker: 'MA', region: 'KR', trailingStopDistance: 1 }), 'trailingStopDistance'],
      [() => db().portfolio.setRiskLimits({ ticker: 'MA', region: 'KR', trailingStopDistance: 0 }), 'trailingStopDistance'],
      [() => db().portfolio.setRiskLimits({ ticker: 'MA', region: 'KR', stopLossPrice: -5 }), 'stopLossPrice'],
      [() => db().portfolio.setRiskLimits({ ticker: 'MA', region: 'XX', stopLossPrice: 5 }), 'region'],
      [() => db().portfolio.triggeredExits([{ ticker: 'MA', region: 'KR', price: Number.POSITIVE_INFINITY }]), 'price'],
      [() => db().portfolio.performance({ from: '2024-03-01', to: '2024-02-01' }), 'to'],
      [() => db().portfolio.snapshots({ from: '2024-13-01' }), 'from'],
    ]
    for (const [call, field] of cases) {
      const e = await failure(call())
      expect(e, `${call}`).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).issues[0], `${call}`).toMatchObject({ row: 0, field })
    }
    expect(await db().portfolio.snapshots()).toEqual([])
    expect(await db().portfolio.findPosition({ ticker: 'MA', region: 'KR' })).toMatchObject({ stopLossPrice: null, trailingStopDistance: null })
  })

  it('reports the sector exposure of spec 8.1 query 4', async () => {
    await reset()
    // MA 10 @ 100, MD 10 @ 20 (both Tech), MB 20 @ 50 (Finance), ME 1 @ 10 (Energy, never priced).
    await buyAll([buy('MA', 'KR', 10, 100), buy('MD', 'KR', 10, 20), buy('MB', 'KR', 20, 50), buy('ME', 'KR', 1, 10)])
    // Values 1,100 / 300 / 900, and ME at cost 10: total 2,310. Weights 0.476190, 0.129870, 0.389610, 0.004329.
    // PnL %: MA 0.1, MD 0.5, MB −0.1.
    await db().portfolio.markToMarket([
      { ticker: 'MA', region: 'KR', price: 110 }, { ticker: 'MD', region: 'KR', price: 30 }, { ticker: 'MB', region: 'KR', price: 45 },
    ])
    expect(await db().portfolio.sectorExposure()).toEqual([
      { sector: 'Tech', nStocks: 2, totalValue: 1400, totalWeight: 0.60606, avgPnlPct: 0.3 },
      { sector: 'Finance', nStocks: 1, totalValue: 900, totalWeight: 0.38961, avgPnlPct: -0.1 },
      { sector: 'Energy', nStocks: 1, totalValue: null, totalWeight: 0.004329, avgPnlPct: null },
    ])
  })

  it('sets and clears risk limits, and lists the exits prices trigger', async () => {
    await reset()
    await buyAll([buy('MA', 'KR', 10, 100), buy('MB', 'KR', 10, 50), buy('MD', 'KR', 10, 20), buy('ME', 'KR', 1, 10)])
    const limited = await db().portfolio.setRiskLimits({ ticker: 'MA', region: 'KR', stopLossPrice: 90, takeProfitPrice: 130 })
    expect(limited).toMatchObject({ stopLossPrice: 90, takeProfitPrice: 130, trailingStopDistance: null })
    await db().portfolio.setRiskLimits({ ticker: 'MB', region: 'KR', trailingStopDistance: 0.1 })
    await db().portfolio.setRiskLimits({ ticker: 'MD', region: 'KR', trailingStopDistance: 0.25, stopLossPrice: 16 })
    // MB's closes since its entry (2024-03-01): 52, 60, 55 → high 60, trail 60 × 0.9 = 54. The 80 close
    // before the entry does not count. MD has no bars: marked at 22 (above its 20 average) → trail 22 × 0.75 = 16.5.
    await db().exec(`INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume) VALUES
      ('MB', 'KR', '2024-02-28', 80, 80, 80, 80, 1), ('MB', 'KR', '2024-03-04', 52, 52, 52, 52, 1),
      ('MB', 'KR', '2024-03-05', 60, 61, 59, 60, 1), ('MB', 'KR', '2024-03-06', 55, 55, 55, 55, 1)`)
    await db().portfolio.markToMarket([{ ticker: 'MD', region: 'KR', price: 22 }])

    const exits = (prices: [string, number][]) =>
      db().portfolio.triggeredExits(prices.map(([ticker, price]) => ({ ticker, region: 'KR', price })))
    expect(await exits([['MA', 90], ['MB', 54], ['MD', 16.5], ['ME', 1], ['NOTHELD', 1]])).toEqual([
      { ticker: 'MA', region: 'KR', reason: 'stop_loss', price: 90, limit: 90 },
      { ticker: 'MB', region: 'KR', reason: 'trailing_stop', price: 54, limit: 54 },
      { ticker: 'MD', region: 'KR', reason: 'trailing_stop', price: 16.5, limit: 16.5 },
    ])
    expect(await exits([['MA', 90.01], ['MB', 54.01], ['MD', 16.51]])).toEqual([])
    expect(await exits([['MA', 130]])).toEqual([{ ticker: 'MA', region: 'KR', reason: 'take_profit', price: 130, limit: 130 }])
    // A price through two limits reports both.
    expect((await exits([['MD', 15]])).map((e) => [e.reason, e.limit])).toEqual([['stop_loss', 16], ['trailing_stop', 16.5]])
    // An incoming price above every earlier high raises the mark: 70 → trail 63, not crossed.
    expect(await exits([['MB', 70]])).toEqual([])

    // null clears, omitted keeps.
    const cleared = await db().portfolio.setRiskLimits({ ticker: 'MA', region: 'KR', stopLossPrice: null })
    expect(cleared).toMatchObject({ stopLossPrice: null, takeProfitPrice: 130 })
    expect(await exits([['MA', 80]])).toEqual([])

    const missing = await failure(db().portfolio.setRiskLimits({ ticker: 'NOTHELD', region: 'KR', stopLossPrice: 1 }))
    expect(missing).toBeInstanceOf(NotFoundError)
    expect((missing as NotFoundError).key).toEqual({ ticker: 'NOTHELD', region: 'KR' })
    const bad = await failure(db().portfolio.setRiskLimits({ ticker: 'MA', region: 'KR', stopLossPrice: 140, takeProfitPrice: 120 }))
    expect((bad as ValidationError).issues[0]).toMatchObject({ field: 'takeProfitPrice' })
    expect(await db().portfolio.findPosition({ ticker: 'MA', region: 'KR' })).toMatchObject({ stopLossPrice: null, takeProfitPrice: 130 })
  })

  it('snapshots the portfolio with chained daily and cumulative returns and JSON exposures', async () => {
    await reset()
    // Day 1: MA 10 @ 100 and MC 4 @ 250, never priced → valued at cost, 1,000 each. Cash 8,000 → total 10,000.
    await buyAll([buy('MA', 'KR', 10, 100), buy('MC', 'US', 4, 250)])
    const d1 = await db().portfolio.snapshot({ snapshotDate: '2025-01-02', cash: 8000 })
    expect(d1).toMatchObject({
      snapshotDate: '2025-01-02', totalValue: 10000, cash: 8000, investedValue: 2000, unrealizedPnl: 0,
      dailyReturn: null, cumulativeReturn: 0,
      positions: [
        { ticker: 'MA', region: 'KR', quantity: 10, avgBuyPrice: 100, currentPrice: null, positionValue: 1000, weight: 0.5 },
        { ticker: 'MC', region: 'US', quantity: 4, avgBuyPrice: 250, currentPrice: null, positionValue: 1000, weight: 0.5 },
      ],
      sectorExposures: { Tech: 0.5, Unknown: 0.5 }, regionExposures: { KR: 0.5, US: 0.5 },
    })

    // Day 2: MA 120 (1,200, PnL +200), MC 240 (960, PnL −40), new MB 10 @ 30 unpriced (300). Cash 7,700.
    // Invested 2,460, total 10,160; daily 10160 / 10000 − 1 = 0.016; cumulative 1 × 1.016 − 1 = 0.016.
    // Weights 1200/2460 = 0.487805, 960/2460 = 0.390244, 300/2460 = 0.121951; KR 1500/2460 = 0.609756.
    await db().portfolio.markToMarket([{ ticker: 'MA', region: 'KR', price: 120 }, { ticker: 'MC', region: 'US', price: 240 }])
    await buyAll([buy('MB', 'KR', 10, 30)])
    const d2 = await db().portfolio.snapshot({ snapshotDate: '2025-01-03', cash: 7700 })
    expect(d2).toMatchObject({
      totalValue: 10160, investedValue: 2460, unrealizedPnl: 160, dailyReturn: 0.016, cumulativeReturn: 0.016,
      sectorExposures: { Tech: 0.487805, Unknown: 0.390244, Finance: 0.121951 }, regionExposures: { KR: 0.609756, US: 0.390244 },
    })
    expect((d2.positions as { ticker: string; weight: number }[]).map((p) => [p.ticker, p.weight]))
      .toEqual([['MA', 0.487805], ['MB', 0.121951], ['MC', 0.390244]])

    // Day 3 (after a weekend; the previous snapshot is day 2): MA 110 → invested 2,360, total 10,060;
    // daily 10060 / 10160 − 1 = −0.0098425… → −0.009843; cumulative 1.016 × 10060 / 10160 − 1 = 0.006.
    await db().portfolio.markToMarket([{ ticker: 'MA', region: 'KR', price: 110 }])
    const d3 = await db().portfolio.snapshot({ snapshotDate: '2025-01-06', cash: 7700 })
    expect(d3).toMatchObject({ totalValue: 10060, unrealizedPnl: 60, dailyReturn: -0.009843, cumulativeReturn: 0.006 })
    // Re-running a day replaces its row.
    expect(await db().portfolio.snapshot({ snapshotDate: '2025-01-06', cash: 7700 })).toMatchObject({ totalValue: 10060, cumulativeReturn: 0.006 })
    expect((await db().portfolio.snapshots({ from: '2025-01-01' })).map((s) => s.snapshotDate)).toEqual(['2025-01-02', '2025-01-03', '2025-01-06'])

    // The daily metrics aggregate sees them: mean value of 3 days (10000 + 10160 + 10060) / 3 = 10073.33…,
    // mean return (0.016 − 0.009843) / 2 = 0.0030785, sample sd |0.016 + 0.009843| / √2 = 0.0182737…
    const perf = await db().portfolio.performance({ from: '2025-01-02', to: '2025-01-06' })
    expect(perf.map((p) => p.day)).toEqual(['2025-01-02', '2025-01-03', '2025-01-06'])
    expect(perf[0]).toMatchObject({ totalValue: 10000, dailyReturn: null, ma30Return: null, volatility60d: null })
    expect(perf[1]).toMatchObject({ totalValue: 10160, ma30Value: 10080, ma30Return: 0.016, volatility60d: null })
    expect(perf[2]!.ma30Value).toBeCloseTo(30220 / 3, 9)
    expect(perf[2]!.ma30Return).toBeCloseTo(0.0030785, 12)
    expect(perf[2]!.volatility60d).toBeCloseTo(0.025843 / Math.SQRT2, 12)
  })

  it('reports 30-day means and 60-day volatility matching an independent computation', async () => {
    await reset()
    // 70 consecutive days of known returns (the first null, as for a first snapshot).
    const days = Array.from({ length: 70 }, (_, i) => {
      const day = new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10)
      return { day, total: 1_000_000 + i * 1234.56, ret: i === 0 ? null : (((i * 37) % 19) - 9) / 1000 }
    })
    await db().db.insert(portfolioSnapshots).values(days.map((d) => ({
      snapshotDate: d.day, totalValue: d.total, cash: 0, investedValue: d.total, dailyReturn: d.ret,
    })))
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const sampleSd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1))
    const returns = (from: number, to: number) => days.slice(from, to + 1).map((d) => d.ret).filter((r): r is number => r !== null)

    const perf = await db().portfolio.performance({ from: '2020-01-01', to: '2020-03-10' })
    expect(perf).toHaveLength(70)
    perf.forEach((p, j) => {
      expect(p.day).toBe(days[j]!.day)
      expect(p.ma30Value!).toBeCloseTo(mean(days.slice(Math.max(0, j - 29), j + 1).map((d) => d.total)), 6)
      const r30 = returns(Math.max(0, j - 29), j)
      const r60 = returns(Math.max(0, j - 59), j)
      if (r30.length === 0) expect(p.ma30Return).toBeNull()
      else expect(p.ma30Return!).toBeCloseTo(mean(r30), 12)
      if (r60.length < 2) expect(p.volatility60d).toBeNull()
      else expect(p.volatility60d!).toBeCloseTo(sampleSd(r60), 12)
    })
    // A range still sees the days before it in its windows.
    const tail = await db().portfolio.performance({ from: '2020-03-01' })
    expect(tail[0]!.day).toBe('2020-03-01')
    expect(tail[0]!.volatility60d).toBe(perf[60]!.volatility60d)
  })

  it('refreshes the aggregate unless asked not to; inside a transaction only where it can', async () => {
    await reset()
    await db().portfolio.snapshot({ snapshotDate: '2025-02-03', cash: 100 })
    expect((await db().portfolio.performance()).map((p) => p.totalValue)).toEqual([100])
    await db().portfolio.snapshot({ snapshotDate: '2025-02-04', cash: 150 })
    expect(await db().portfolio.performance({ refresh: false })).toHaveLength(1)
    const inTx = await db().transaction((tx) => tx.portfolio.performance())
    // TimescaleDB cannot refresh a continuous aggregate inside a transaction block; a plain view can.
    expect(inTx).toHaveLength(target.timescale ? 1 : 2)
    const after = await db().portfolio.performance()
    expect(after.map((p) => [p.totalValue, p.dailyReturn])).toEqual([[100, null], [150, 0.5]])
  })
})
