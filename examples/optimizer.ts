/**
 * The optimizer (`npm run example:optimizer [-- --url postgres://…]`): factor scores → the day's top
 * BUY signals → trades → mark to market → a snapshot → performance.
 */
import { syntheticMarket, type FactorScoreInput } from '@quant/db'
import { check, openExampleDb } from './_open.js'

const qdb = await openExampleDb()
try {
  const market = syntheticMarket({ seed: 3, tickers: 6, regions: ['KR'], start: '2024-05-01', days: 30 })
  await qdb.tickers.upsert(market.tickers)
  await qdb.ohlcv.upsert(market.bars)
  const day = market.calendar[20]!
  const closeOf = (ticker: string, date: string) => market.bars.find((b) => b.ticker === ticker && b.date === date)!.close

  // The factor engine's output: layer totals given, the total computed by the library.
  const scores: FactorScoreInput[] = market.tickers.map((t, i) => ({
    ticker: t.ticker, region: t.region, calculationDate: day,
    layer1Total: 10 + i * 3, layer2Total: 25, layer3Total: 15 + i, signal: i >= 3 ? 'BUY' : 'WATCH',
  }))
  await qdb.factors.upsert(scores)
  const buys = await qdb.factors.topSignals({ calculationDate: day, signal: 'BUY', limit: 2 })
  console.log('top BUY signals:', buys.map((s) => `${s.ticker} ${s.totalScore}`))
  check(buys.length === 2, 'two BUY signals')

  for (const s of buys) {
    await qdb.portfolio.applyTrade({ ticker: s.ticker, region: s.region, tradeDate: day, tradeType: 'BUY',
      quantity: 100, price: closeOf(s.ticker, day), commission: 1_000, slippageBps: 5, strategyName: 'factor_top2' })
  }
  for (const [i, date] of market.calendar.slice(21).entries()) {
    await qdb.portfolio.markToMarket(buys.map((s) => ({ ticker: s.ticker, region: s.region, price: closeOf(s.ticker, date) })))
    await qdb.portfolio.snapshot({ snapshotDate: date, cash: 50_000_000 - i })
  }
  const position = await qdb.portfolio.getPosition({ ticker: buys[0]!.ticker, region: buys[0]!.region })
  console.log(`position ${position.ticker}: ${position.quantity} @ ${position.avgBuyPrice}, now ${position.currentPrice}, weight ${position.weight}`)
  const performance = await qdb.portfolio.performance()
  console.log(`performance: ${performance.length} days, last total ${performance.at(-1)?.totalValue}`)
  check(performance.length === market.calendar.length - 21, 'one performance row per snapshot')
} finally {
  await qdb.close()
}
