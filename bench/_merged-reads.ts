/**
 * Compressed per-ticker reads before and after `ops.mergeCompressedChunks`, library vs hand SQL, on two
 * copies of the spec-scale database (one with monthly compressed chunks, one merged into years):
 *
 *   npx tsx bench/_merged-reads.ts postgres://…/monthly postgres://…/yearly
 *
 * A `_` helper: `npm run bench` does not run it (it needs the two databases; bench/README.md says how).
 */
import postgres from 'postgres'
import { createQuantDb } from '../src/index.js'

const [monthlyUrl, yearlyUrl] = process.argv.slice(2)
if (!monthlyUrl || !yearlyUrl) throw new Error('usage: _merged-reads.ts MONTHLY_URL YEARLY_URL')
const REPS = 15
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const sides = await Promise.all([monthlyUrl, yearlyUrl].map(async (url) => ({
  lib: await createQuantDb({ url, logger: {} }),
  hand: postgres(url, { max: 1, onnotice: () => {} }),
})))
try {
  const [edge] = await sides[0]!.hand`SELECT max(range_end)::date::text AS d FROM timescaledb_information.chunks
    WHERE hypertable_name = 'ohlcv_data' AND is_compressed`
  const to = String(edge!['d'])
  const tickers = (await sides[0]!.hand`SELECT DISTINCT ticker FROM tickers WHERE region = 'KR' ORDER BY 1 LIMIT 200`).map((r) => String(r['ticker']))
  const cases: { name: string; lib: (i: number, s: (typeof sides)[number]) => Promise<unknown>; hand: (i: number, s: (typeof sides)[number]) => Promise<unknown> }[] = [
    { name: 'ohlcv.range, one ticker, all compressed history',
      lib: (i, s) => s.lib.ohlcv.range({ ticker: tickers[i % 200]!, region: 'KR', from: '2000-01-01', to }),
      hand: (i, s) => s.hand`SELECT * FROM ohlcv_data WHERE ticker = ${tickers[i % 200]!} AND region = 'KR' AND date >= '2000-01-01' AND date <= ${to} ORDER BY date` },
    { name: 'ohlcv.range, one ticker, one compressed month',
      lib: (i, s) => s.lib.ohlcv.range({ ticker: tickers[i % 200]!, region: 'KR', from: '2024-03-01', to: '2024-03-31' }),
      hand: (i, s) => s.hand`SELECT * FROM ohlcv_data WHERE ticker = ${tickers[i % 200]!} AND region = 'KR' AND date >= '2024-03-01' AND date <= '2024-03-31' ORDER BY date` },
    { name: 'ohlcv.range, one ticker, 2025-05 on (compressed + recent)',
      lib: (i, s) => s.lib.ohlcv.range({ ticker: tickers[i % 200]!, region: 'KR', from: '2025-05-01', to }),
      hand: (i, s) => s.hand`SELECT * FROM ohlcv_data WHERE ticker = ${tickers[i % 200]!} AND region = 'KR' AND date >= '2025-05-01' AND date <= ${to} ORDER BY date` },
    { name: 'ohlcv.recent(250)',
      lib: (i, s) => s.lib.ohlcv.recent({ ticker: tickers[i % 200]!, region: 'KR', limit: 250 }),
      hand: (i, s) => s.hand`SELECT * FROM ohlcv_data WHERE ticker = ${tickers[i % 200]!} AND region = 'KR' ORDER BY date DESC LIMIT 250` },
    { name: 'ohlcv.panel, 50 tickers x 2 compressed years, close',
      lib: (i, s) => s.lib.ohlcv.panel({ tickers: tickers.slice(i % 100, i % 100 + 50), region: 'KR', from: '2023-01-01', to: '2024-12-31', fields: ['close'] }),
      hand: (i, s) => s.hand`SELECT ticker, date, close FROM ohlcv_data WHERE ticker = ANY(${tickers.slice(i % 100, i % 100 + 50)}) AND region = 'KR' AND date BETWEEN '2023-01-01' AND '2024-12-31' ORDER BY ticker, date` },
  ]
  console.log('| case | monthly chunks: lib / hand ms | yearly (merged): lib / hand ms | yearly ÷ monthly (lib) |')
  console.log('| --- | --- | --- | --- |')
  for (const c of cases) {
    const t: number[][] = [[], [], [], []]
    for (let i = -2; i < REPS; i++) {
      for (const [k, s] of sides.entries()) {
        let t0 = performance.now(); await c.lib(i + 2, s); const l = performance.now() - t0
        t0 = performance.now(); await c.hand(i + 2, s); const h = performance.now() - t0
        if (i >= 0) { t[k * 2]!.push(l); t[k * 2 + 1]!.push(h) }
      }
    }
    const [ml, mh, yl, yh] = t.map(median) as [number, number, number, number]
    console.log(`| ${c.name} | ${ml.toFixed(1)} / ${mh.toFixed(1)} | ${yl.toFixed(1)} / ${yh.toFixed(1)} | ${(yl / ml).toFixed(2)} |`)
  }
} finally {
  for (const s of sides) { await s.lib.close(); await s.hand.end() }
}
