import type { QueryRunner } from '../../drivers/types.js'
import { arrayLiteral, dayToIso, epochDay, isoToDay } from '../../internal/sql-arrays.js'
import { QuantDbError } from '../../errors.js'
import { INDICATOR_COLUMNS } from './columns.js'

// The reads of recomputeIndicators: per ticker, one row of arrays (days, highs, lows, closes and the
// twelve stored indicators) in date order.

/**
 * The arrays of a ticker's rows, fed in date order by a sorted subquery rather than one
 * `ORDER BY date` per aggregate: PostgreSQL 15 sorts each ordered aggregate on its own (16 sorts of
 * the same rows). Input order is what array_agg keeps in practice, not a guarantee of SQL: the days
 * are checked increasing (`inDateOrder`) before anything is computed from them.
 */
export function aggregates(from: string | undefined): string {
  const filter = from === undefined ? '' : ` FILTER (WHERE x.date >= ${from}::date)`
  return `array_agg(${epochDay('x.date')}) AS days, array_agg(x.high::float8) AS high,
    array_agg(x.low::float8) AS low, array_agg(x.close::float8) AS close,
    ${INDICATOR_COLUMNS.map((c) => `array_agg(x."${c}"::float8)${filter} AS "${c}"`).join(', ')}`
}

/** Throws unless the days are strictly increasing (see `aggregates`). */
export function inDateOrder(ticker: string, days: Int32Array): Int32Array {
  for (let i = 1; i < days.length; i++) {
    if ((days[i] as number) <= (days[i - 1] as number)) throw new QuantDbError('query', `recomputeIndicators: bars of ${ticker} not read in date order`)
  }
  return days
}

const STORED = INDICATOR_COLUMNS.map((c) => `"${c}"`).join(', ')
const WITHOUT_STORED = INDICATOR_COLUMNS.map((c) => `NULL::numeric AS "${c}"`).join(', ')

/** One query for a group of tickers: per ticker, its days, highs, lows and closes (warm-up bars included). */
export function readSql(withFrom: boolean): string {
  // Warm-up bars are read without their stored indicators (never compared): on compressed chunks
  // every column named is decompressed, and these twelve are most of the row.
  const select = (where: string, tail: string, stored: boolean) =>
    `(SELECT date, high, low, close, ${stored ? STORED : WITHOUT_STORED} FROM ohlcv_data o
      WHERE o.ticker = t.ticker AND o.region = $2 AND o.timeframe = $3 AND ${where} ${tail})`
  const source = withFrom
    ? `${select('o.date < $4::date', 'ORDER BY o.date DESC LIMIT $5', false)} UNION ALL ${select('o.date >= $4::date', '', true)}`
    : select('TRUE', '', true)
  return `SELECT t.ticker, w.* FROM unnest($1::varchar[]) AS t(ticker)
    CROSS JOIN LATERAL (
      SELECT ${aggregates(withFrom ? '$4' : undefined)}
      FROM (SELECT * FROM (${source}) s ORDER BY s.date) x) w
    WHERE w.days IS NOT NULL`
}

/**
 * The same rows as `readSql(true)` for a recent `from` (the daily run), read in one scan of a date
 * window instead of one backwards index walk per ticker: the window (from − 1.5 × warmup − 30 days)
 * holds `warmup` bars before `from` of every ticker traded on most days, and each ticker's warm-up
 * is then cut to exactly its last `warmup` bars, so the input of the computation is the same. A
 * ticker with fewer bars in the window (a new listing, long suspensions) is read the exact way.
 */
export async function readWindowed(runner: QueryRunner, group: readonly string[], region: string, timeframe: string,
  from: string, warmup: number): Promise<unknown[][]> {
  const cutoff = dayToIso(isoToDay(from) - Math.ceil(warmup * 1.5) - 30)
  const rows = await runner.queryArrays(`SELECT x.ticker, ${aggregates('$4')}
    FROM (SELECT * FROM (
      SELECT ticker, date, high, low, close, ${WITHOUT_STORED} FROM ohlcv_data
      WHERE ticker = ANY($1::varchar[]) AND region = $2 AND timeframe = $3 AND date >= $5::date AND date < $4::date
      UNION ALL
      SELECT ticker, date, high, low, close, ${STORED} FROM ohlcv_data
      WHERE ticker = ANY($1::varchar[]) AND region = $2 AND timeframe = $3 AND date >= $4::date) s
      ORDER BY s.ticker, s.date) x
    GROUP BY x.ticker`, [arrayLiteral(group), region, timeframe, from, cutoff], { prepare: true })
  const fromDay = isoToDay(from)
  const out: unknown[][] = []
  const exact: string[] = []
  for (const row of rows) {
    const days = row[1] as ArrayLike<number | string>
    let before = 0
    while (before < days.length && Number(days[before]) < fromDay) before++
    if (before < warmup) {
      exact.push(String(row[0]))
      continue
    }
    const cut = before - warmup
    out.push([row[0], ...[1, 2, 3, 4].map((k) => Array.from(row[k] as ArrayLike<unknown>).slice(cut)), ...row.slice(5)])
  }
  if (exact.length > 0) out.push(...await runner.queryArrays(readSql(true), [arrayLiteral(exact), region, timeframe, from, warmup]))
  return out
}

/**
 * Per ticker, its bars on or after its `after` day ('-infinity': the whole history) with their stored
 * indicators; with `storedFrom`, the indicators of the bars before that day are not read (NULL): on
 * compressed chunks every column named is decompressed, and these twelve are most of the row.
 *
 * When every ticker starts at a day (a daily run from the states), one scan from the earliest of
 * them, a literal the planner (and TimescaleDB's chunk exclusion) sees, replaces a per-ticker walk:
 * a bound taken from a parameter array inside a join excludes no chunk and reads every ticker's
 * whole history.
 */
export async function readSeries(runner: QueryRunner, starts: readonly { ticker: string; after: number }[], region: string,
  timeframe: string, storedFrom: string | undefined): Promise<unknown[][]> {
  if (starts.length === 0) return []
  const params: unknown[] = [arrayLiteral(starts.map((s) => s.ticker)), region, timeframe,
    arrayLiteral(starts.map((s) => (Number.isFinite(s.after) ? dayToIso(s.after) : '-infinity')))]
  const earliest = Math.min(...starts.map((s) => s.after))
  if (Number.isFinite(earliest)) {
    return runner.queryArrays(`SELECT x.ticker, ${aggregates(undefined)}
      FROM (SELECT o.ticker, o.date, o.high, o.low, o.close, ${INDICATOR_COLUMNS.map((c) => `o."${c}"`).join(', ')}
        FROM ohlcv_data o JOIN unnest($1::varchar[], $4::date[]) AS c(ticker, after) ON o.ticker = c.ticker AND o.date >= c.after
        WHERE o.ticker = ANY($1::varchar[]) AND o.region = $2 AND o.timeframe = $3 AND o.date >= DATE '${dayToIso(earliest)}'
        ORDER BY o.ticker, o.date) x
      GROUP BY x.ticker`, params)
  }
  const select = (where: string, stored: boolean) => `SELECT date, high, low, close, ${stored ? STORED : WITHOUT_STORED} FROM ohlcv_data o
    WHERE o.ticker = c.ticker AND o.region = $2 AND o.timeframe = $3 AND o.date >= c.after ${where}`
  const source = storedFrom === undefined ? select('', true) : `${select('AND o.date < $5::date', false)} UNION ALL ${select('AND o.date >= $5::date', true)}`
  if (storedFrom !== undefined) params.push(storedFrom)
  return runner.queryArrays(`SELECT c.ticker, w.* FROM unnest($1::varchar[], $4::date[]) AS c(ticker, after)
    CROSS JOIN LATERAL (SELECT ${aggregates(storedFrom === undefined ? undefined : '$5')}
      FROM (SELECT * FROM (${source}) s ORDER BY s.date) x) w
    WHERE w.days IS NOT NULL`, params, { prepare: true })
}
