// Planning time of the panel's SELECT (issue 9) for ways of naming its tickers, by EXPLAIN (SUMMARY)
// (planning only) and EXPLAIN (ANALYZE, SUMMARY), on a spec-scale database: the tickers as one array
// constant (`= ANY('{…}')`, the panel's form), the same array behind an InitPlan, a join against
// unnest, a VALUES list, and an IN list of literals. Usage:
//   npx tsx bench/_panel-planning.ts [URL of quantdb_bench_spec] [tickers per statement] [reps]
import postgres from 'postgres'
import { textLiteral } from '../src/internal/pg-binary.js'
import { arrayLiteral } from '../src/internal/sql-arrays.js'

const url = process.argv[2] ?? 'postgres://postgres@127.0.0.1:5491/quantdb_bench_spec'
const N = Number(process.argv[3] ?? 125)
const REPS = Number(process.argv[4] ?? 3)
const sql = postgres(url, { max: 1, onnotice: () => {} })
try {
  const tickers = (await sql<{ ticker: string }[]>`SELECT ticker FROM tickers WHERE region = 'KR' ORDER BY ticker LIMIT ${N}`).map((r) => r.ticker)
  const [span] = await sql<{ first: string; last: string }[]>`SELECT min(date)::text AS first, max(date)::text AS last FROM ohlcv_data`
  const { first, last } = span!
  const arr = `${textLiteral(arrayLiteral(tickers))}::varchar[]`
  const rest = `region = 'KR' AND timeframe = 'daily' AND date >= '${first}'::date AND date <= '${last}'::date`
  const cols = 'ticker, date, adjusted_close, volume::int8'
  const variants: Record<string, string> = {
    'ANY(array constant)': `SELECT ${cols} FROM ohlcv_data WHERE ticker = ANY(${arr}) AND ${rest}`,
    'ANY((SELECT array))': `SELECT ${cols} FROM ohlcv_data WHERE ticker = ANY((SELECT ${arr})::varchar[]) AND ${rest}`,
    'JOIN unnest(array)': `SELECT d.ticker, d.date, d.adjusted_close, d.volume::int8 FROM unnest(${arr}) t(ticker) JOIN ohlcv_data d ON d.ticker = t.ticker AND d.${rest.replaceAll(' AND ', ' AND d.')}`,
    'JOIN VALUES': `SELECT d.ticker, d.date, d.adjusted_close, d.volume::int8 FROM (VALUES ${tickers.map((t) => `(${textLiteral(t)})`).join(', ')}) t(ticker) JOIN ohlcv_data d ON d.ticker = t.ticker AND d.${rest.replaceAll(' AND ', ' AND d.')}`,
    'IN (literals)': `SELECT ${cols} FROM ohlcv_data WHERE ticker IN (${tickers.map(textLiteral).join(', ')}) AND ${rest}`,
  }
  const timeOf = (plan: { 'QUERY PLAN': string }[], what: string) =>
    Number(/: ([\d.]+) ms/.exec(plan.map((r) => r['QUERY PLAN']).find((l) => l.startsWith(what)) ?? '')?.[1] ?? Number.NaN)
  const counts: Record<string, number> = {}
  for (const [name, text] of Object.entries(variants)) {
    const [{ n }] = await sql.unsafe(`SELECT count(*)::int AS n, sum(hashtext(ticker || date::text || coalesce(adjusted_close::text, '') || coalesce(volume::text, ''))) AS h FROM (${text}) s`) as unknown as [{ n: number }]
    counts[name] = n
  }
  console.log(`${N} tickers, ${first}..${last}; rows per variant:`, counts)
  for (const [name, text] of Object.entries(variants)) {
    const plans: number[] = []
    const analyzed: string[] = []
    for (let i = 0; i < REPS; i++) plans.push(timeOf(await sql.unsafe(`EXPLAIN (SUMMARY) ${text}`) as never, 'Planning Time'))
    const a = await sql.unsafe(`EXPLAIN (ANALYZE, SUMMARY) ${text}`) as never
    analyzed.push(`plan ${timeOf(a, 'Planning Time').toFixed(0)} + exec ${timeOf(a, 'Execution Time').toFixed(0)} ms`)
    console.log(name.padEnd(22), `planning ${plans.map((p) => p.toFixed(0)).join(' / ')} ms;`, analyzed.join(''))
  }
} finally {
  await sql.end()
}
