/**
 * OHLCV reads: `qdb.ohlcv.recent` (spec 8.1 query 1, promised < 10 ms) and `qdb.ohlcv.panel` on a
 * synthetic market of about a million bars, against the same SQL sent by hand through the bare engine
 * (postgres.js on the server, PGlite embedded) in the same run.
 *
 *   npx tsx bench/ohlcv-reads.ts [--tickers 500] [--days 2000] [--reps 7] [--latest-reps 51] [--modes embedded,server] [--analyze auto|all|none]
 *
 * By hand: a postgres.js client of its own (server), the PGlite instance under the library (embedded),
 * with their default options. `--analyze auto` (default) runs ANALYZE after the load on the server
 * only, standing in for its autovacuum; PGlite has none, so embedded is measured as a user gets it.
 */
import { syntheticBars, syntheticTickers } from '../src/synthetic/index.js'
import {
  arg, emitResult, handEngine, maybeAnalyze, modesArg, openMode, printVersus, timeInterleaved, type VersusRow,
} from './_shared.js'

const TICKERS = Number(arg('tickers', '500'))
const DAYS = Number(arg('days', '2000'))
const REPS = Number(arg('reps', '7'))
// latest takes milliseconds, where one noisy moment moves a median of 7: it gets more runs.
const LATEST_REPS = Number(arg('latest-reps', '51'))
const MODES = modesArg()
// The history ends about today, as a live database's does (DAYS weekdays back from now).
const START = new Date(Date.now() - Math.ceil((DAYS * 7) / 5) * 86_400_000).toISOString().slice(0, 10)
const OPTIONS = { seed: 3, tickers: TICKERS, days: DAYS, regions: ['KR'], start: START, gapProbability: 0.01 }

const LATEST = `SELECT * FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = 'daily' ORDER BY date DESC LIMIT 250`
// What a user writes for a panel by hand: one row per bar, grouped into arrays in JS.
const PANEL_ROWS = `SELECT ticker, date, close::float8 AS close FROM ohlcv_data
  WHERE region = 'KR' AND timeframe = 'daily' AND ticker = ANY($1) AND date BETWEEN $2 AND $3 ORDER BY ticker, date`

// What the library sends with TimescaleDB first: the same query bounded to a recent window, so that
// the old chunks are excluded at planning (see OhlcvRepo.recent).
const LATEST_WINDOW = `SELECT * FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = 'daily' AND date >= $3
  ORDER BY date DESC LIMIT 250`

async function benchMode(mode: string): Promise<void> {
  const db = await openMode(mode)
  if (!db) return
  const hand = handEngine(db)
  try {
    const t0 = performance.now()
    let bars = 0
    for (const batch of syntheticBars({ ...OPTIONS, batchSize: 50_000 })) bars += (await db.ohlcv.upsert(batch)).inserted
    const analyzed = await maybeAnalyze(db, mode)
    console.log(`\n${mode}: loaded ${bars.toLocaleString()} bars in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `${analyzed ? 'ANALYZEd' : 'not ANALYZEd'}; by hand: ${hand.label}`)
    const tickers = syntheticTickers(OPTIONS).map((t) => t.ticker)
    const one = tickers[Math.floor(tickers.length / 2)]!
    const from = START
    const to = '2099-12-31'
    const since = new Date(Date.now() - (Math.ceil(250 * 1.5) + 30) * 86_400_000).toISOString().slice(0, 10)
    const panelOf = (n: number) => db.ohlcv.panel({ tickers: tickers.slice(0, n), region: 'KR', from, to, fields: ['close'] })
    // What a user writes for a panel by hand: one row per bar, grouped into arrays in JS.
    const byHandPanel = async (n: number) => {
      const rows = (await hand.query(PANEL_ROWS, [tickers.slice(0, n), from, to])) as { ticker: string; date: unknown; close: number }[]
      const series = new Map<string, number[]>()
      for (const r of rows) (series.get(r.ticker) ?? series.set(r.ticker, []).get(r.ticker)!).push(r.close)
      return series
    }
    if ((await db.ohlcv.recent({ ticker: one, region: 'KR' })).length !== (await hand.query(LATEST, [one, 'KR'])).length) throw new Error('latest: library and hand-written SQL disagree')

    const t = await timeInterleaved(LATEST_REPS, {
      latestLib: () => db.ohlcv.recent({ ticker: one, region: 'KR' }),
      latestHand: () => hand.query(LATEST, [one, 'KR']),
      ...(db.capabilities.timescale ? { latestWindowHand: () => hand.query(LATEST_WINDOW, [one, 'KR', since]) } : {}),
    })
    const rows: VersusRow[] = [
      { case: 'latest 250 bars of a ticker (by hand: spec 8.1 query 1)', library: t['latestLib']!, byHand: t['latestHand']!, target: 10 },
    ]
    if (t['latestWindowHand'] !== undefined) {
      rows.push({ case: 'latest 250 bars (by hand: the same recent-window SQL)', library: t['latestLib']!, byHand: t['latestWindowHand'], target: 10 })
    }
    for (const n of [10, TICKERS]) {
      const p = await timeInterleaved(REPS, { lib: () => panelOf(n), hand: () => byHandPanel(n) })
      rows.push({ case: `panel close, ${n} tickers x ${DAYS} days (${(n * DAYS).toLocaleString()} cells)`, library: p['lib']!, byHand: p['hand']! })
    }
    printVersus(`${mode} — median of ${LATEST_REPS} (latest) and ${REPS} (panel) runs, interleaved, after one warm-up run`, rows)
    emitResult('ohlcv-reads', mode, rows)
  } finally {
    await hand.close()
    await db.close()
  }
}

for (const mode of MODES) await benchMode(mode)
