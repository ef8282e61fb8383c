import type { QueryRunner } from '../../drivers/types.js'
import type { IndicatorSet } from '../../indicators/index.js'
import { textLiteral } from '../../internal/pg-binary.js'
import { arrayLiteral, dayToIso } from '../../internal/sql-arrays.js'
import { INDICATOR_FIELDS } from '../../validation/ohlcv.js'
import type { RepoContext } from '../context.js'
import { BAR, INDICATOR_COLUMNS, KEY_COLUMNS } from './columns.js'
import { csvText } from './csv.js'
import { prepareWrite } from './write-session.js'

// The writes of recomputeIndicators: the changed bars as CSV lines, then one UPDATE per batch from a
// COPY-filled staging table.

/** A CSV line of the staging table, the day (epoch days) and the ticker of its bar. */
export interface StageLine { day: number; ticker: string; line: string }

/** The days (epoch days) of the rows a recompute changed. */
export interface DayRange { first: number; last: number }

/**
 * The `(ticker, region, date, timeframe)` CSV lines carrying the 12 indicators, values rounded to 4
 * decimals, for the bars on or after `writeFrom` whose stored indicators differ from `set`: a re-run
 * that changes nothing sends nothing. `set` is aligned with `days` from `setStart` on, `stored` (NaN
 * for NULL) with its last days. Both sides compare as the double nearest to a 4-decimal number
 * (PostgreSQL's NUMERIC to float8 and JavaScript's Number() of the same decimal text round alike), so
 * equal means the UPDATE would store the very same value. Returns true when a bar compared before
 * `writeFrom` differs (left as it is, as asked).
 */
export function csvLines(key: { ticker: string; region: string; timeframe: string }, days: Int32Array, set: IndicatorSet, setStart: number,
  stored: readonly Float64Array[], writeFrom: number, out: StageLine[]): boolean {
  const series = INDICATOR_FIELDS.map((f) => set[f])
  const storedStart = days.length - (stored[0]?.length ?? 0)
  const prefix = `${csvText(key.ticker)},${csvText(key.region)}`
  const texts = new Array<string>(series.length)
  let staleBefore = false
  for (let j = Math.max(setStart, storedStart); j < days.length; j++) {
    let changed = false
    for (let k = 0; k < series.length; k++) {
      const v = series[k]![j - setStart] as number
      // NaN means "warm-up not complete": stored as NULL (an empty unquoted CSV field).
      const text = Number.isFinite(v) ? v.toFixed(4) : ''
      texts[k] = text
      const old = stored[k]![j - storedStart] as number
      if (text === '' ? !Number.isNaN(old) : Number(text) !== old) changed = true
    }
    if (!changed) continue
    const day = days[j] as number
    if (day < writeFrom) {
      staleBefore = true
      continue
    }
    out.push({ day, ticker: key.ticker, line: `${prefix},${dayToIso(day)},${csvText(key.timeframe)},${texts.join(',')}` })
  }
  return staleBefore
}

/** The staging table: the key and the twelve indicators, typed as in ohlcv_data (the CSV lines' columns). */
const STAGED = [...KEY_COLUMNS, ...INDICATOR_COLUMNS]
const STAGE_COLUMNS = BAR.ddl(STAGED)

/**
 * Writes the lines in date order, one batch at a time: each batch spans few days, so the date bounds
 * of its UPDATE let TimescaleDB (or the planner on a plain table) skip every other chunk, and the
 * staging table is ANALYZEd so the join is planned for its real size (a temp table has no statistics,
 * and a join planned for one row degrades to comparing every bar of a ticker with every other).
 */
export async function writeIndicators(tx: QueryRunner, ctx: RepoContext, stage: string, lines: StageLine[], batch: number, written: DayRange): Promise<number> {
  lines.sort((a, b) => a.day - b.day)
  await prepareWrite(tx, ctx, { name: stage, columns: STAGE_COLUMNS })
  const stored = INDICATOR_COLUMNS.map((c) => `o."${c}"`).join(', ')
  const fresh = INDICATOR_COLUMNS.map((c) => `s."${c}"`).join(', ')
  let updated = 0
  for (let i = 0; i < lines.length; i += batch) {
    const part = lines.slice(i, i + batch)
    await tx.copyCsv(stage, STAGED, part.map((l) => l.line).join('\n') + '\n')
    await tx.exec(`ANALYZE ${stage}`)
    // Literal bounds (days we computed, not input): known when the statement is planned.
    const first = dayToIso(part[0]!.day)
    const last = dayToIso(part[part.length - 1]!.day)
    // The batch's tickers, a literal too: on compressed chunks TimescaleDB decompresses, before the
    // join, the batches its constant conditions select (ticker is the segmentby column). With the
    // dates alone that was every ticker's batch of those days, the whole table once per group.
    const tickers = textLiteral(arrayLiteral([...new Set(part.map((l) => l.ticker))]))
    // Rows already holding these values are not rewritten (cheap re-runs, compressed chunks left alone).
    const [row] = await tx.query<{ n: number }>(`WITH changed AS (
        UPDATE ohlcv_data o SET ${INDICATOR_COLUMNS.map((c) => `"${c}" = s."${c}"`).join(', ')}, last_updated = now()
        FROM ${stage} s
        WHERE o.ticker = s.ticker AND o.region = s.region AND o.date = s.date AND o.timeframe = s.timeframe
          AND o.date BETWEEN DATE '${first}' AND DATE '${last}' AND o.ticker = ANY(${tickers}::varchar[])
          AND (${stored}) IS DISTINCT FROM (${fresh})
        RETURNING 1)
      SELECT count(*)::int AS n FROM changed`)
    const n = Number(row?.n ?? 0)
    if (n > 0) {
      written.first = Math.min(written.first, part[0]!.day)
      written.last = Math.max(written.last, part[part.length - 1]!.day)
    }
    updated += n
    // The commit empties the stage (ON COMMIT DELETE ROWS): the last batch of a top-level call skips the round trip.
    if (i + batch < lines.length || ctx.runner.inTransaction) await tx.exec(`TRUNCATE ${stage}`)
  }
  return updated
}
