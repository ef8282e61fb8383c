/**
 * OHLCV reads: `qdb.ohlcv.latest` (spec 8.1 query 1, promised < 10 ms) and `qdb.ohlcv.panel` on a
 * synthetic market of about a million bars, against the same SQL sent by hand through the bare engine
 * (postgres.js on the server, PGlite embedded) in the same run.
 *
 *   npx tsx bench/ohlcv-reads.ts [--tickers 500] [--days 2000] [--reps 7] [--modes embedded,server]
 */
import postgres from 'postgres'
import { syntheticBars, syntheticTickers } from '../src/synthetic/index.js'
import { createTestDb, type TestDb } from '../src/testing/index.js'
import type { QueryRunner } from '../src/drivers/types.js'
import type { RepoContext } from '../src/repos/context.js'

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const TICKERS = Number(arg('tickers', '500'))
const DAYS = Number(arg('days', '2000'))
const REPS = Number(arg('reps', '7'))
const MODES = arg('modes', 'embedded,server').split(',')
// The history ends about today, as a live database's does (DAYS weekdays back from now).
const START = new Date(Date.now() - Math.ceil((DAYS * 7) / 5) * 86_400_000).toISOString().slice(0, 10)
const OPTIONS = { seed: 3, tickers: TICKERS, days: DAYS, regions: ['KR'], start: START, gapProbability: 0.01 }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
async function timeIt(run: () => Promise<unknown>): Promise<number> {
  await run() // warm: plans cached, pages in memory
  const times: number[] = []
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now()
    await run()
    times.push(performance.now() - t0)
  }
  return median(times)
}

const LATEST = `SELECT * FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = 'daily' ORDER BY date DESC LIMIT 250`
// What a user writes for a panel by hand: one row per bar, grouped into arrays in JS.
const PANEL_ROWS = `SELECT ticker, date, close::float8 AS close FROM ohlcv_data
  WHERE region = 'KR' AND timeframe = 'daily' AND ticker = ANY($1) AND date BETWEEN $2 AND $3 ORDER BY ticker, date`

async function benchMode(mode: string): Promise<void> {
  let db: TestDb
  try {
    db = await createTestDb({ mode: mode === 'server' ? 'postgres' : 'embedded' })
  } catch (error) {
    console.log(`${mode}: skipped (${(error as Error).message})`)
    return
  }
  try {
    const t0 = performance.now()
    let bars = 0
    for (const batch of syntheticBars({ ...OPTIONS, batchSize: 50_000 })) bars += (await db.ohlcv.upsert(batch)).inserted
    console.log(`\n${mode}: loaded ${bars.toLocaleString()} bars in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const tickers = syntheticTickers(OPTIONS).map((t) => t.ticker)
    const one = tickers[Math.floor(tickers.length / 2)]!
    const from = START
    const to = '2099-12-31'
    const panelOf = (n: number) => db.ohlcv.panel({ tickers: tickers.slice(0, n), region: 'KR', from, to, fields: ['close'] })

    // The bare engine, by hand, on the same database.
    const runner = (db.ohlcv as unknown as { ctx: RepoContext }).ctx.runner as QueryRunner
    const sql = db.url ? postgres(db.url, { max: 1, onnotice: () => {} }) : undefined
    const raw = (text: string, params: unknown[]) =>
      sql ? sql.unsafe(text, params as never[]) : runner.query(text, params)
    const byHandPanel = async (n: number) => {
      const rows = (await raw(PANEL_ROWS, [tickers.slice(0, n), from, to])) as unknown as { ticker: string; date: unknown; close: number }[]
      const series = new Map<string, number[]>()
      for (const r of rows) (series.get(r.ticker) ?? series.set(r.ticker, []).get(r.ticker)!).push(r.close)
      return series
    }
    if (!sql) console.log('(embedded: "by hand" runs the same SQL through the driver\'s raw query, no drizzle)')

    const cases: { case: string; library: number; byHand: number }[] = [
      { case: 'latest 250 bars of a ticker', library: await timeIt(() => db.ohlcv.latest(one, 'KR')), byHand: await timeIt(() => raw(LATEST, [one, 'KR'])) },
    ]
    for (const n of [10, TICKERS]) {
      cases.push({
        case: `panel close, ${n} tickers x ${DAYS} days (${(n * DAYS).toLocaleString()} cells)`,
        library: await timeIt(() => panelOf(n)),
        byHand: await timeIt(() => byHandPanel(n)),
      })
    }
    await sql?.end()
    console.table(cases.map((c) => ({
      case: c.case, 'library ms': c.library.toFixed(1), 'by hand ms': c.byHand.toFixed(1), 'library / by hand': (c.library / c.byHand).toFixed(2),
    })))
  } finally {
    await db.close()
  }
}

for (const mode of MODES) await benchMode(mode)
