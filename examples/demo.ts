/**
 * The demo of README's first command (`npm run demo`): what a collector, the factor engine and the
 * optimizer do with @quant/db, on the embedded default (PGlite + TimescaleDB, in memory, no set-up).
 *
 * Pass `--url postgres://…` (or set DATABASE_URL) to run the same program against a server.
 */
import { createQuantDb, syntheticMarket } from '../src/index.js'

const urlFlag = process.argv.indexOf('--url')
const url = urlFlag >= 0 ? process.argv[urlFlag + 1] : process.env['DATABASE_URL']

const qdb = await createQuantDb(url ? { url } : {})
try {
  const migration = await qdb.migrate()
  console.log(`database: ${qdb.capabilities.mode}, TimescaleDB ${qdb.capabilities.timescale ? qdb.capabilities.timescaleVersion : 'not available (plain mode)'}`)
  console.log(`migrations applied: ${migration.applied.length}`)

  // A collector: the universe and 60 trading days of bars (deterministic, seeded; nothing is downloaded).
  const market = syntheticMarket({ seed: 7, tickers: 6, regions: ['KR', 'US'], start: '2024-01-02', days: 60 })
  await qdb.tickers.upsert(market.tickers)
  const ingest = await qdb.ohlcv.upsert(market.bars)
  console.log(`bars: ${ingest.inserted} inserted, ${ingest.updated} updated, ${ingest.rejected} rejected`)
  const again = await qdb.ohlcv.upsert(market.bars)
  console.log(`same bars again: ${again.inserted} inserted, ${again.updated} updated, ${again.unchanged} unchanged`)

  // Bad input is refused whole, naming the row and the field.
  const bad = { ...market.bars[0]!, high: 1, low: 2 }
  await qdb.ohlcv.upsert([market.bars[1]!, bad]).catch((e: Error) => console.log(`refused: ${e.message}`))

  await qdb.ohlcv.recomputeIndicators({ region: 'KR' })
  const first = market.tickers[0]!
  const latest = await qdb.ohlcv.recent({ ticker: first.ticker, region: first.region, limit: 3 })
  console.log(`\nlatest bars of ${first.ticker} (${first.region}, ${first.sector}):`)
  console.table(latest.map((b) => ({ date: b.date, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, ma20: b.ma20, rsi: b.rsi })))

  // The backtester's read: one aligned calendar, one Float64Array per ticker.
  const kr = market.tickers.filter((t) => t.region === 'KR').map((t) => t.ticker)
  const panel = await qdb.ohlcv.panel({ tickers: kr, region: 'KR', from: '2024-01-01', to: '2024-12-31', fields: ['close'] })
  console.log(`panel: ${panel.tickers.length} tickers x ${panel.dates.length} days, first close of each:`,
    panel.fields.close.map((series) => series[0]))

  // The optimizer: two buys and a partial sell, with commission; the position and its realized PnL.
  const day = (i: number) => market.calendar[i]!
  const close = (i: number) => market.bars.find((b) => b.ticker === first.ticker && b.date === day(i))?.close ?? 0
  await qdb.portfolio.applyTrade({ ticker: first.ticker, region: first.region, tradeDate: day(10), tradeType: 'BUY', quantity: 100, price: close(10), commission: 1_500 })
  await qdb.portfolio.applyTrade({ ticker: first.ticker, region: first.region, tradeDate: day(20), tradeType: 'BUY', quantity: 50, price: close(20), commission: 1_000 })
  const { trade } = await qdb.portfolio.applyTrade({ ticker: first.ticker, region: first.region, tradeDate: day(40), tradeType: 'SELL', quantity: 80, price: close(40), commission: 1_200 })
  const position = await qdb.portfolio.findPosition({ ticker: first.ticker, region: first.region })
  console.log(`\nposition: ${position?.quantity} shares at an average ${position?.avgBuyPrice}; the sell realized ${trade.realizedPnl} (${((trade.realizedPnlPct ?? 0) * 100).toFixed(2)}%) after ${trade.holdDays} days`)

  await qdb.portfolio.markToMarket([{ ticker: first.ticker, region: first.region, price: close(59) }])
  const snap = await qdb.portfolio.snapshot({ snapshotDate: day(59), cash: 10_000_000 })
  console.log(`snapshot ${snap.snapshotDate}: total ${snap.totalValue}, invested ${snap.investedValue}, unrealized ${snap.unrealizedPnl}`)
  console.log('sector exposure:', await qdb.portfolio.sectorExposure())
} finally {
  await qdb.close()
}
