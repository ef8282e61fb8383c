/**
 * The backtester (`npm run example:backtester [-- --url postgres://…]`): a panel of many tickers ×
 * many days, a simple momentum strategy on it, the result saved, and the best runs read back.
 */
import { syntheticMarket } from '@quant/db'
import { check, openExampleDb } from './_open.js'

const qdb = await openExampleDb()
try {
  const market = syntheticMarket({ seed: 5, tickers: 10, regions: ['KR'], start: '2023-01-02', days: 250 })
  await qdb.tickers.upsert(market.tickers)
  await qdb.ohlcv.upsert(market.bars)

  const tickers = market.tickers.map((t) => t.ticker)
  const panel = await qdb.ohlcv.panel({ tickers, region: 'KR', from: '2023-01-01', to: '2023-12-31', fields: ['close'] })
  console.log(`panel: ${panel.tickers.length} tickers x ${panel.dates.length} days`)

  // For each lookback: every 20 days hold the ticker with the best return over the lookback.
  for (const lookback of [20, 60]) {
    let capital = 100_000_000
    let wins = 0
    let trades = 0
    let peak = capital
    let maxDrawdown = 0
    for (let d = lookback; d + 20 < panel.dates.length; d += 20) {
      const momentum = panel.fields.close.map((series) => series[d]! / series[d - lookback]! - 1)
      const pick = momentum.indexOf(Math.max(...momentum.filter((m) => !Number.isNaN(m))))
      const ret = panel.fields.close[pick]![d + 20]! / panel.fields.close[pick]![d]! - 1
      capital *= 1 + ret
      trades++
      if (ret > 0) wins++
      peak = Math.max(peak, capital)
      maxDrawdown = Math.max(maxDrawdown, 1 - capital / peak)
    }
    const finalCapital = Math.round(capital * 100) / 100
    const id = await qdb.backtests.save({
      strategyName: 'momentum_example', region: 'KR', startDate: panel.dates[0]!, endDate: panel.dates.at(-1)!,
      initialCapital: 100_000_000, finalCapital, totalReturn: Math.round((finalCapital / 100_000_000 - 1) * 1e6) / 1e6,
      maxDrawdown: Math.round(maxDrawdown * 1e6) / 1e6, winRate: Math.round((wins / trades) * 1e6) / 1e6,
      totalTrades: trades, winningTrades: wins, losingTrades: trades - wins,
      strategyParams: { lookback, holdDays: 20 }, rebalanceFrequency: 'monthly',
    })
    console.log(`lookback ${lookback}: backtest ${id}, final capital ${finalCapital}`)
  }

  const best = await qdb.backtests.best({ by: 'totalReturn', strategyName: 'momentum_example', limit: 1 })
  check(best.length === 1, 'the best run is found')
  console.log(`best: lookback ${String(best[0]!.strategyParams?.['lookback'])}, total return ${best[0]!.totalReturn}`)
} finally {
  await qdb.close()
}
