import { z } from 'zod'
import type { QueryRunner } from '../../drivers/types.js'
import { computeIndicators, type IndicatorSet } from '../../indicators/index.js'
import { INDICATOR_FIELDS } from '../../validation/ohlcv.js'
import { isoDate, regionCode, tickerCode } from '../../validation/rules.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { BAR, INDICATOR_COLUMNS, KEY_COLUMNS } from './columns.js'
import { arrayLiteral, dayToIso, epochDay, isoToDay, toFloat64, toInt32 } from '../../internal/sql-arrays.js'
import { name } from '../../validation/text.js'
import { acquireStage, prepareWrite, refreshSummaryAfterWrite } from './write-session.js'
import { embeddedReclaimer } from './embedded-reclaim.js'
import { QuantDbError } from '../../errors.js'

/** Options of `qdb.ohlcv.recomputeIndicators`. */
export interface RecomputeOptions {
  /** The region whose bars are recomputed, e.g. `KR`. */
  region: string
  /** Default: every ticker of the region with bars (on or after `from`, when given). */
  tickers?: readonly string[] | undefined
  /** Write indicators from this day on ('YYYY-MM-DD'); default: the whole history. */
  from?: string | undefined
  /** Default 'daily'. */
  timeframe?: string | undefined
  /**
   * Bars read before `from` to warm the indicators up (default 500). The recursive ones (EMA, Wilder)
   * then differ from a whole-history computation by less than 1e-12 of the price, far below the
   * columns' 4 decimals; 500 also covers the longest window (ma200) plus MACD's 33-bar start.
   */
  warmup?: number | undefined
  /** Called after each group of tickers is written. */
  onProgress?: ((progress: { tickers: number; total: number }) => void) | undefined
}

/** What `qdb.ohlcv.recomputeIndicators` did. */
export interface RecomputeResult {
  /** Tickers processed. */
  tickers: number
  /** Bars in the written range (on or after `from`). */
  bars: number
  /** Bars whose stored indicators changed (the others were already right and are not rewritten). */
  updated: number
}

// Tickers read per query (bounds memory: 100 x 20 years of bars is ~500,000 lines), and rows written
// per statement (PGlite prefers ~5,000).
const TICKERS_PER_READ = 100
const WRITE_ROWS: Record<QueryRunner['kind'], number> = { embedded: 5_000, postgres: 50_000 }

function optionsSchema(regions: ReadonlySet<string>) {
  return z.object({
    region: regionCode(regions),
    tickers: z.array(tickerCode).optional(),
    from: isoDate.optional(),
    timeframe: name(10, 1).optional(),
    warmup: z.number().int().min(0).optional(),
    onProgress: z.custom<NonNullable<RecomputeOptions['onProgress']>>((f) => typeof f === 'function', { message: 'must be a function' }).optional(),
  }).strict()
}

/** A CSV line of the staging table and the day (epoch days) of its bar. */
interface StageLine { day: number; line: string }

/** The days (epoch days) of the rows a recompute changed. */
interface DayRange { first: number; last: number }

/**
 * The `(ticker, region, date, timeframe)` CSV lines carrying the 12 indicators, values rounded to 4
 * decimals, for the bars whose stored indicators (`stored`, same order, from `start` on, NaN for NULL) differ from
 * them: a re-run that changes nothing sends nothing. Both sides compare as the double nearest to a
 * 4-decimal number (PostgreSQL's NUMERIC to float8 and JavaScript's Number() of the same decimal text
 * round alike), so equal means the UPDATE would store the very same value.
 */
function csvLines(ticker: string, region: string, timeframe: string, days: Int32Array, set: IndicatorSet,
  stored: readonly Float64Array[], start: number, out: StageLine[]): void {
  const series = INDICATOR_FIELDS.map((f) => set[f])
  const key = `"${ticker.replaceAll('"', '""')}","${region}"`
  const texts = new Array<string>(series.length)
  for (let j = start; j < days.length; j++) {
    let changed = false
    for (let k = 0; k < series.length; k++) {
      const v = series[k]![j] as number
      // NaN means "warm-up not complete": stored as NULL (an empty unquoted CSV field).
      const text = Number.isFinite(v) ? v.toFixed(4) : ''
      texts[k] = text
      const old = stored[k]![j - start] as number
      if (text === '' ? !Number.isNaN(old) : Number(text) !== old) changed = true
    }
    if (!changed) continue
    const day = days[j] as number
    out.push({ day, line: `${key},${dayToIso(day)},"${timeframe.replaceAll('"', '""')}",${texts.join(',')}` })
  }
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
async function writeIndicators(tx: QueryRunner, ctx: RepoContext, stage: string, lines: StageLine[], batch: number, written: DayRange): Promise<number> {
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
    // Rows already holding these values are not rewritten (cheap re-runs, compressed chunks left alone).
    const [row] = await tx.query<{ n: number }>(`WITH changed AS (
        UPDATE ohlcv_data o SET ${INDICATOR_COLUMNS.map((c) => `"${c}" = s."${c}"`).join(', ')}, last_updated = now()
        FROM ${stage} s
        WHERE o.ticker = s.ticker AND o.region = s.region AND o.date = s.date AND o.timeframe = s.timeframe
          AND o.date BETWEEN DATE '${first}' AND DATE '${last}'
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

/**
 * The arrays of a ticker's rows, fed in date order by a sorted subquery rather than one
 * `ORDER BY date` per aggregate: PostgreSQL 15 sorts each ordered aggregate on its own (16 sorts of
 * the same rows). Input order is what array_agg keeps in practice, not a guarantee of SQL: the days
 * are checked increasing (`inDateOrder`) before anything is computed from them.
 */
function aggregates(from: string | undefined): string {
  const filter = from === undefined ? '' : ` FILTER (WHERE x.date >= ${from}::date)`
  return `array_agg(${epochDay('x.date')}) AS days, array_agg(x.high::float8) AS high,
    array_agg(x.low::float8) AS low, array_agg(x.close::float8) AS close,
    ${INDICATOR_COLUMNS.map((c) => `array_agg(x."${c}"::float8)${filter} AS "${c}"`).join(', ')}`
}

/** Throws unless the days are strictly increasing (see `aggregates`). */
function inDateOrder(ticker: string, days: Int32Array): Int32Array {
  for (let i = 1; i < days.length; i++) {
    if ((days[i] as number) <= (days[i - 1] as number)) throw new QuantDbError('query', `recomputeIndicators: bars of ${ticker} not read in date order`)
  }
  return days
}

const STORED = INDICATOR_COLUMNS.map((c) => `"${c}"`).join(', ')
const WITHOUT_STORED = INDICATOR_COLUMNS.map((c) => `NULL::numeric AS "${c}"`).join(', ')

/** One query for a group of tickers: per ticker, its days, highs, lows and closes (warm-up bars included). */
function readSql(withFrom: boolean): string {
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
async function readWindowed(runner: QueryRunner, group: readonly string[], region: string, timeframe: string,
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
 * Recomputes and stores the indicator columns (see `OhlcvRepo.recomputeIndicators`): per group of
 * tickers, one read of their bars as arrays, `computeIndicators`, then a bulk UPDATE from a COPY-filled
 * staging table, in one transaction per group.
 * @internal
 */
export async function recomputeIndicators(ctx: RepoContext, options: RecomputeOptions): Promise<RecomputeResult> {
  // The validated copy is what runs: a getter on the caller's object is read once, here.
  const o = checkOne('ohlcv_data', options, optionsSchema(ctx.options.regions))
  const { region, from } = o
  const timeframe = o.timeframe ?? 'daily'
  const warmup = o.warmup ?? 500
  const tickers = o.tickers
    ? [...new Set(o.tickers)]
    : (await ctx.runner.query<{ ticker: string }>(
        `SELECT DISTINCT ticker FROM ohlcv_data WHERE region = $1 AND timeframe = $2 ${from ? 'AND date >= $3::date' : ''} ORDER BY ticker`,
        from ? [region, timeframe, from] : [region, timeframe],
      )).map((r) => r.ticker)
  const fromDay = from === undefined ? Number.NEGATIVE_INFINITY : isoToDay(from)
  const result: RecomputeResult = { tickers: 0, bars: 0, updated: 0 }

  const written: DayRange = { first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY }
  const stage = acquireStage('qdb_indicator_stage')
  const reclaim = embeddedReclaimer(ctx)
  try {
    for (let i = 0; i < tickers.length; i += TICKERS_PER_READ) {
      const group = tickers.slice(i, i + TICKERS_PER_READ)
      const rows = from === undefined
        ? await ctx.runner.queryArrays(readSql(false), [arrayLiteral(group), region, timeframe])
        : await readWindowed(ctx.runner, group, region, timeframe, from, warmup)
      const lines: StageLine[] = []
      for (const row of rows) {
        const days = inDateOrder(String(row[0]), toInt32(row[1]))
        const set = computeIndicators({ high: toFloat64(row[2]), low: toFloat64(row[3]), close: toFloat64(row[4]) })
        let start = 0
        while (start < days.length && (days[start] as number) < fromDay) start++
        csvLines(String(row[0]), region, timeframe, days, set, INDICATOR_COLUMNS.map((_, k) => toFloat64(row[5 + k])), start, lines)
        result.bars += days.length - start
      }
      if (lines.length > 0) {
        result.updated += await ctx.runner.transaction((tx) => writeIndicators(tx, ctx, stage.name, lines, WRITE_ROWS[ctx.runner.kind], written))
        // Embedded: recompress, vacuum, checkpoint, so the next group reuses the space (the last one: finish()).
        if (i + TICKERS_PER_READ < tickers.length) await reclaim.afterGroup()
      }
      result.tickers += group.length
      o.onProgress?.({ tickers: result.tickers, total: tickers.length })
    }
    await reclaim.finish()
  } finally {
    stage.release()
  }
  // The daily summary averages RSI and ATR: bring it up to date where they changed (a backfill's history).
  if (timeframe === 'daily' && result.updated > 0) await refreshSummaryAfterWrite(ctx, dayToIso(written.first), dayToIso(written.last))
  return result
}
