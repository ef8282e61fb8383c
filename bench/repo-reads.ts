/**
 * The spec's other promised reads (spec 8.1 queries 2-4), each against the same SQL sent by hand
 * through the bare engine in the same run (postgres.js on the server, the PGlite instance embedded):
 *
 * - `qdb.factors.topSignals({ calculationDate: date, signal: 'BUY', limit: 50 })`, promised < 50 ms, on TICKERS x DAYS
 *   factor scores (default 2,000 x 250 = 500,000 rows);
 * - `qdb.portfolio.performance({ from, to })` over the last year of SNAPSHOT_DAYS daily snapshots,
 *   promised < 100 ms (with its default aggregate refresh, and with `refresh: false`);
 * - `qdb.portfolio.sectorExposure()` over POSITIONS positions, promised < 50 ms.
 *
 * Data come from the library's own writers: synthetic tickers, `factors.upsert`, `portfolio.applyTrade`,
 * `markToMarket` and `snapshot` for every day.
 *
 *   npx tsx bench/repo-reads.ts [--tickers 2000] [--days 250] [--positions 100] [--snapshot-days 500]
 *     [--reps 41] [--modes embedded,server] [--analyze auto|all|none]
 *
 * `--analyze auto` (default) runs ANALYZE after the load on the server only, standing in for its
 * autovacuum; PGlite has no autovacuum, so an embedded database is measured the way a user gets it.
 */
import { syntheticMarket, syntheticTickers, Random } from '../src/synthetic/index.js'
import { factorRow } from './_factor-rows.js'
import type { FactorScoreInput } from '../src/repos/factors.js'
import type { TestDb } from '../src/testing/index.js'
import {
  arg, emitResult, handEngine, maybeAnalyze, modesArg, openMode, printVersus, timeInterleaved, weekdaysEndingYesterday, type VersusRow,
} from './_shared.js'

const TICKERS = Number(arg('tickers', '2000'))
const DAYS = Number(arg('days', '250'))
const POSITIONS = Number(arg('positions', '100'))
const SNAPSHOT_DAYS = Number(arg('snapshot-days', '500'))
const REPS = Number(arg('reps', '41'))
const MODES = modesArg()
const SEED = 11
const REGIONS = ['KR', 'US']

async function loadFactors(db: TestDb, days: readonly string[]): Promise<number> {
  const tickers = syntheticTickers({ seed: SEED, tickers: TICKERS, regions: REGIONS })
  const random = new Random(SEED, 1_000_000)
  const quality = tickers.map(() => random.normal(55, 8))
  let written = 0
  let batch: FactorScoreInput[] = []
  for (const date of days) {
    for (const [i, t] of tickers.entries()) batch.push(factorRow(random, t.ticker, t.region, date, quality[i]!))
    if (batch.length >= 10_000) {
      written += (await db.factors.upsert(batch)).inserted
      batch = []
    }
  }
  if (batch.length > 0) written += (await db.factors.upsert(batch)).inserted
  return written
}

/**
 * A portfolio of POSITIONS holdings (the first tickers of the universe) bought on the first day,
 * marked to market at the synthetic closes and snapshotted every day, with one partial sale a month.
 */
async function loadPortfolio(db: TestDb, days: readonly string[]): Promise<{ trades: number }> {
  const market = syntheticMarket({ seed: SEED, tickers: POSITIONS, regions: REGIONS, start: days[0], days: days.length })
  const universe = syntheticTickers({ seed: SEED, tickers: POSITIONS, regions: REGIONS })
  if (market.calendar.join() !== days.join() || market.tickers.some((t, i) => t.ticker !== universe[i]!.ticker)) {
    throw new Error('synthetic market and snapshot calendar disagree')
  }
  const closes = new Map<string, { ticker: string; region: string; price: number }[]>()
  for (const bar of market.bars) {
    const day = closes.get(bar.date) ?? closes.set(bar.date, []).get(bar.date)!
    day.push({ ticker: bar.ticker, region: bar.region, price: bar.close })
  }
  let cash = 1_000_000_000
  let trades = 0
  for (const p of closes.get(days[0]!)!) {
    const quantity = Math.max(1, Math.round(5_000_000 / p.price))
    await db.portfolio.applyTrade({ ticker: p.ticker, region: p.region, tradeDate: days[0]!, tradeType: 'BUY', quantity, price: p.price, commission: 10 })
    cash -= quantity * p.price
    trades++
  }
  for (const [i, date] of days.entries()) {
    const prices = closes.get(date)!
    if (i > 0 && i % 21 === 0) {
      const p = prices[(i / 21) % prices.length]!
      const held = await db.portfolio.findPosition({ ticker: p.ticker, region: p.region })
      const quantity = Math.floor((held?.quantity ?? 0) / 10)
      if (quantity > 0) {
        await db.portfolio.applyTrade({ ticker: p.ticker, region: p.region, tradeDate: date, tradeType: 'SELL', quantity, price: p.price, commission: 10 })
        cash += quantity * p.price
        trades++
      }
    }
    await db.portfolio.markToMarket(prices)
    await db.portfolio.snapshot({ snapshotDate: date, cash: Math.round(cash * 100) / 100 })
  }
  return { trades }
}

const TOP_SIGNALS = `SELECT * FROM factor_scores WHERE calculation_date = $1 AND signal = 'BUY'
  ORDER BY total_score DESC, ticker, region LIMIT 50`
const PERFORMANCE = `SELECT * FROM portfolio_performance WHERE day >= $1 AND day <= $2 ORDER BY day`
// The statement of src/repos/portfolio/performance.ts, as a user would send it.
const SECTOR_EXPOSURE = `SELECT t.sector, COUNT(*) AS n_stocks, SUM(p.position_value) AS total_value,
       SUM(p.weight) AS total_weight, AVG(p.unrealized_pnl_pct) AS avg_pnl_pct
  FROM portfolio p
  JOIN tickers t ON p.ticker = t.ticker AND p.region = t.region
  WHERE p.quantity > 0
  GROUP BY t.sector
  ORDER BY total_value DESC NULLS LAST, t.sector`

async function benchMode(mode: string): Promise<void> {
  const db = await openMode(mode)
  if (!db) return
  const hand = handEngine(db)
  try {
    const factorDays = weekdaysEndingYesterday(DAYS)
    const snapshotDays = weekdaysEndingYesterday(SNAPSHOT_DAYS)
    let t0 = performance.now()
    await db.tickers.upsert(syntheticTickers({ seed: SEED, tickers: TICKERS, regions: REGIONS }))
    const scores = await loadFactors(db, factorDays)
    const factorSeconds = (performance.now() - t0) / 1000
    t0 = performance.now()
    const { trades } = await loadPortfolio(db, snapshotDays)
    const portfolioSeconds = (performance.now() - t0) / 1000
    const analyzed = await maybeAnalyze(db, mode)
    console.log(`\n${mode} (${db.capabilities.timescale ? `TimescaleDB ${db.capabilities.timescaleVersion}` : 'plain PostgreSQL'}): ` +
      `${scores.toLocaleString()} factor rows (${TICKERS.toLocaleString()} tickers x ${DAYS} days) in ${factorSeconds.toFixed(1)} s ` +
      `(${Math.round(scores / factorSeconds).toLocaleString()} rows/s, tickers included); ` +
      `${POSITIONS} positions, ${trades} trades, ${SNAPSHOT_DAYS} daily snapshots in ${portfolioSeconds.toFixed(1)} s; ` +
      `${analyzed ? 'ANALYZEd' : 'not ANALYZEd'}; by hand: ${hand.label}`)

    const date = factorDays[factorDays.length - 1]!
    const from = snapshotDays[Math.max(0, snapshotDays.length - 250)]!
    const to = snapshotDays[snapshotDays.length - 1]!
    const refresh = db.capabilities.timescale
      ? `CALL refresh_continuous_aggregate('portfolio_daily_metrics', NULL, NULL)`
      : 'REFRESH MATERIALIZED VIEW portfolio_daily_metrics'

    // The same answers, or the comparison means nothing.
    const libTop = await db.factors.topSignals({ calculationDate: date, signal: 'BUY', limit: 50 })
    const handTop = (await hand.query(TOP_SIGNALS, [date])) as { ticker: string }[]
    const libPerf = await db.portfolio.performance({ from, to })
    const handPerf = await hand.query(PERFORMANCE, [from, to])
    const libSectors = await db.portfolio.sectorExposure()
    const handSectors = await hand.query(SECTOR_EXPOSURE)
    if (libTop.map((r) => r.ticker).join() !== handTop.map((r) => r.ticker).join() || libTop.length === 0 ||
      libPerf.length !== handPerf.length || libPerf.length < 200 || libSectors.length !== handSectors.length) {
      throw new Error(`library and hand-written SQL disagree: top ${libTop.length}/${handTop.length}, ` +
        `performance ${libPerf.length}/${handPerf.length}, sectors ${libSectors.length}/${handSectors.length}`)
    }

    const t = await timeInterleaved(REPS, {
      topLib: () => db.factors.topSignals({ calculationDate: date, signal: 'BUY', limit: 50 }),
      topHand: () => hand.query(TOP_SIGNALS, [date]),
      perfLib: () => db.portfolio.performance({ from, to }),
      perfHand: async () => {
        await hand.query(refresh)
        return hand.query(PERFORMANCE, [from, to])
      },
      perfNoRefreshLib: () => db.portfolio.performance({ from, to, refresh: false }),
      perfNoRefreshHand: () => hand.query(PERFORMANCE, [from, to]),
      sectorsLib: () => db.portfolio.sectorExposure(),
      sectorsHand: () => hand.query(SECTOR_EXPOSURE),
    })
    const rows: VersusRow[] = [
      { case: `factors.topSignals BUY, limit 50 (${libTop.length} rows; ${scores.toLocaleString()} scores)`, library: t['topLib']!, byHand: t['topHand']!, target: 50 },
      { case: `portfolio.performance, ${libPerf.length} days (refresh, then read)`, library: t['perfLib']!, byHand: t['perfHand']!, target: 100 },
      { case: `portfolio.performance, ${libPerf.length} days (refresh: false)`, library: t['perfNoRefreshLib']!, byHand: t['perfNoRefreshHand']!, target: 100 },
      { case: `portfolio.sectorExposure (${POSITIONS} positions, ${libSectors.length} sectors)`, library: t['sectorsLib']!, byHand: t['sectorsHand']!, target: 50 },
    ]
    printVersus(`${mode} — median of ${REPS} (interleaved, after one warm-up run)`, rows)
    emitResult('repo-reads', mode, rows)
  } finally {
    await hand.close()
    await db.close()
  }
}

for (const mode of MODES) await benchMode(mode)
