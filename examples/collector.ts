/**
 * A daily collector (`npm run example:collector [-- --url postgres://…]`): the ticker universe,
 * the day's bars with bad rows skipped and reported, indicators, and the broker API calls logged
 * (secrets redacted before they are stored).
 */
import { syntheticMarket, type OhlcvBarInput } from '@quant/db'
import { check, openExampleDb } from './_open.js'

const qdb = await openExampleDb()
try {
  const market = syntheticMarket({ seed: 11, tickers: 8, regions: ['KR', 'US'], start: '2024-01-02', days: 260 })

  // 1. The universe: one write result shape for every upsert.
  const universe = await qdb.tickers.upsert(market.tickers)
  console.log(`tickers: ${universe.inserted} inserted, ${universe.updated} updated, ${universe.unchanged} unchanged`)

  // 2. The bars, as a broker API would deliver them: one is broken (high below low). With
  //    onInvalid: 'skip' the good bars are written and the bad one comes back with its issues.
  const bars: OhlcvBarInput[] = market.bars.map((b) => ({ ...b }))
  bars[5] = { ...bars[5]!, high: 1, low: 2 }
  const written = await qdb.ohlcv.upsert(bars, { onInvalid: 'skip' })
  console.log(`bars: ${written.inserted} inserted, ${written.rejected} rejected`)
  for (const r of written.rejectedRows) console.log(`  row ${r.row}: ${r.issues.map((i) => `${i.field} ${i.message}`).join('; ')}`)
  check(written.rejected === 1 && written.inserted === bars.length - 1, 'one bad bar skipped, the rest written')

  // 3. Indicators from the stored bars.
  const indicators = await qdb.ohlcv.recomputeIndicators({ region: 'KR' })
  console.log('indicators:', indicators)
  const [last] = await qdb.ohlcv.recent({ ticker: market.tickers[0]!.ticker, region: market.tickers[0]!.region, limit: 1 })
  check(last?.ma200 !== null && last?.rsi !== null, 'indicators computed after the warm-up')
  console.log(`last bar of ${last!.ticker}: close ${last!.close}, ma20 ${last!.ma20}, rsi ${last!.rsi}`)

  // 4. The API calls: parameters that look like secrets never reach the table.
  const logged = await qdb.logs.api({
    apiEndpoint: '/uapi/domestic-stock/v1/quotations/inquire-daily-price', region: 'KR', responseStatus: 200, responseTimeMs: 84,
    requestParams: { headers: { appkey: 'PSg5example', appsecret: 'secret-value-123', tr_id: 'FHKST01010400' }, query: { FID_INPUT_ISCD: '005930' } },
  })
  console.log('stored request params:', JSON.stringify(logged.requestParams))
  check(!JSON.stringify(logged.requestParams).includes('secret-value-123'), 'app secret redacted')
  await qdb.logs.system({ logLevel: 'INFO', module: 'collector', message: 'daily bars loaded', context: { bars: written.inserted } })
} finally {
  await qdb.close()
}
