// Where a small read's time goes, library vs the same SQL by hand (issue 9): wall and client CPU per
// call over many interleaved calls, plus the library's statement sent through its own runner (no
// validation, no decoding) and through a postgres.js client like the hand one but with the library's
// connection options. Usage: npx tsx bench/_read-overhead.ts URL_OF_A_SPEC_SCALE_DB [calls]
import postgres from 'postgres'
import { createQuantDb } from '../src/index.js'
import { selectList } from '../src/internal/fast-select.js'
import { ohlcvDailySummary } from '../src/schema/index.js'

const url = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5491/quantdb_bench_spec'
const CALLS = Number(process.argv[3] ?? 400)
const lib = await createQuantDb({ url, logger: {} })
const hand = postgres(url, { max: 1, onnotice: () => {} })
const q = (text: string, params: unknown[] = []) => hand.unsafe(text, params as never[], { prepare: true })
const SUMMARY = selectList(ohlcvDailySummary, 'v')
const WINDOW = 'FROM ohlcv_daily_summary v WHERE v.region = $1 AND v.day >= $2::date AND v.day <= $3::date ORDER BY v.day'
const CHECKED = `SELECT ${SUMMARY}, (SELECT ohlcv_daily_summary_stale($2::date, $3::date)) AS stale ${WINDOW}`
try {
  const [{ ticker, d0, d1 }] = await q(`SELECT ticker, min(calculation_date)::text AS d0, max(calculation_date)::text AS d1
    FROM factor_scores GROUP BY ticker ORDER BY ticker LIMIT 1`) as unknown as [{ ticker: string; d0: string; d1: string }]
  const [{ m0, m1 }] = await q(`SELECT min(day)::text AS m0, (min(day) + 28)::text AS m1 FROM ohlcv_daily_summary
    WHERE day >= (SELECT max(day) - 300 FROM ohlcv_daily_summary)`) as unknown as [{ m0: string; m1: string }]
  const cases: Record<string, Record<string, () => Promise<unknown>>> = {
    history: {
      lib: () => lib.factors.history({ ticker, region: 'KR', from: d0, to: d1 }),
      hand: () => q(`SELECT * FROM factor_scores WHERE ticker = $1 AND region = $2 AND calculation_date >= $3 AND calculation_date <= $4
        ORDER BY calculation_date`, [ticker, 'KR', d0, d1]),
    },
    dailySummary: {
      lib: () => lib.ohlcv.dailySummary({ region: 'KR', from: m0, to: m1 }),
      hand: () => q(`SELECT * FROM ohlcv_daily_summary WHERE region = $1 AND day >= $2 AND day <= $3 ORDER BY day`, ['KR', m0, m1]),
    },
    // Where dailySummary's time goes: its statement without and with the staleness check (as arrays,
    // as the library reads them), then the whole call.
    'dailySummary parts': {
      hand: () => q(`SELECT * FROM ohlcv_daily_summary WHERE region = $1 AND day >= $2 AND day <= $3 ORDER BY day`, ['KR', m0, m1]),
      asStored: () => hand.unsafe(`SELECT ${SUMMARY} ${WINDOW}`, ['KR', m0, m1], { prepare: true }).values(),
      checked: () => hand.unsafe(CHECKED, ['KR', m0, m1], { prepare: true }).values(),
      lib: () => lib.ohlcv.dailySummary({ region: 'KR', from: m0, to: m1 }),
    },
    positions: {
      lib: () => lib.portfolio.positions(),
      hand: () => q(`SELECT * FROM portfolio ORDER BY ticker, region`),
    },
    'select 1': {
      lib: () => lib.query('SELECT 1'),
      hand: () => q('SELECT 1'),
    },
  }
  for (const [name, fns] of Object.entries(cases)) {
    const wall: Record<string, number[]> = {}
    const cpu: Record<string, number> = {}
    for (const [k, f] of Object.entries(fns)) { wall[k] = []; cpu[k] = 0; for (let i = 0; i < 20; i++) await f() }
    for (let i = 0; i < CALLS; i++) {
      for (const [k, f] of Object.entries(fns)) {
        const c0 = process.cpuUsage()
        const t0 = performance.now()
        await f()
        wall[k]!.push(performance.now() - t0)
        const c = process.cpuUsage(c0)
        cpu[k]! += c.user + c.system
      }
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!
    console.log(name.padEnd(14), Object.keys(fns).map((k) => `${k}: ${med(wall[k]!).toFixed(3)} ms wall, ${(cpu[k]! / CALLS / 1000).toFixed(3)} ms cpu`).join(' | '))
  }
} finally {
  await lib.close()
  await hand.end()
}
