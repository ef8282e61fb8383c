import { z } from 'zod'
import type { QueryRunner } from '../../drivers/types.js'
import { computeIndicators, type IndicatorSet } from '../../indicators/index.js'
import { INDICATOR_FIELDS } from '../../validation/ohlcv.js'
import { isoDate, regionCode, tickerCode } from '../../validation/rules.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { INDICATOR_COLUMNS } from './csv.js'
import { arrayLiteral, dayToIso, epochDay, isoToDay, toFloat64, toInt32 } from '../../internal/sql-arrays.js'
import { name } from '../../validation/text.js'

export interface RecomputeOptions {
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

let stageSeq = 0

function optionsSchema(regions: ReadonlySet<string>) {
  return z.object({
    region: regionCode(regions),
    tickers: z.array(tickerCode).optional(),
    from: isoDate.optional(),
    timeframe: name(10, 1).optional(),
    warmup: z.number().int().min(0).optional(),
    onProgress: z.unknown().optional(),
  })
}

/** A CSV line of the staging table and the day (epoch days) of its bar. */
interface StageLine { day: number; line: string }

/** The `(ticker, region, date, timeframe)` CSV lines carrying the 12 indicators, values rounded to 4 decimals. */
function csvLines(ticker: string, region: string, timeframe: string, days: Int32Array, set: IndicatorSet, start: number, out: StageLine[]): void {
  const series = INDICATOR_FIELDS.map((f) => set[f])
  const key = `"${ticker.replaceAll('"', '""')}","${region}"`
  for (let j = start; j < days.length; j++) {
    const day = days[j] as number
    let line = `${key},${dayToIso(day)},"${timeframe.replaceAll('"', '""')}"`
    for (const s of series) {
      const v = s[j] as number
      // NaN means "warm-up not complete": stored as NULL (an empty unquoted CSV field).
      line += Number.isFinite(v) ? `,${v.toFixed(4)}` : ','
    }
    out.push({ day, line })
  }
}

/**
 * Writes the lines in date order, one batch at a time: each batch spans few days, so the date bounds
 * of its UPDATE let TimescaleDB (or the planner on a plain table) skip every other chunk, and the
 * staging table is ANALYZEd so the join is planned for its real size (a temp table has no statistics,
 * and a join planned for one row degrades to comparing every bar of a ticker with every other).
 */
async function writeIndicators(tx: QueryRunner, lines: StageLine[], batch: number): Promise<number> {
  lines.sort((a, b) => a.day - b.day)
  const stage = `qdb_indicator_stage_${process.pid}_${++stageSeq}`
  const defs = INDICATOR_COLUMNS.map((c) => `"${c}" numeric(${c === 'rsi' ? '8' : '18'},4)`).join(', ')
  await tx.exec(`CREATE TEMP TABLE ${stage} (ticker varchar(20), region varchar(5), date date, timeframe varchar(10), ${defs}) ON COMMIT DROP`)
  const stored = INDICATOR_COLUMNS.map((c) => `o."${c}"`).join(', ')
  const fresh = INDICATOR_COLUMNS.map((c) => `s."${c}"`).join(', ')
  let updated = 0
  for (let i = 0; i < lines.length; i += batch) {
    const part = lines.slice(i, i + batch)
    await tx.copyCsv(stage, ['ticker', 'region', 'date', 'timeframe', ...INDICATOR_COLUMNS], part.map((l) => l.line).join('\n') + '\n')
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
    updated += Number(row?.n ?? 0)
    await tx.exec(`TRUNCATE ${stage}`)
  }
  await tx.exec(`DROP TABLE ${stage}`)
  return updated
}

/** One query for a group of tickers: per ticker, its days, highs, lows and closes (warm-up bars included). */
function readSql(withFrom: boolean): string {
  const select = (where: string, tail: string) =>
    `(SELECT date, high, low, close FROM ohlcv_data o
      WHERE o.ticker = t.ticker AND o.region = $2 AND o.timeframe = $3 AND ${where} ${tail})`
  const source = withFrom
    ? `${select('o.date < $4::date', 'ORDER BY o.date DESC LIMIT $5')} UNION ALL ${select('o.date >= $4::date', '')}`
    : select('TRUE', '')
  return `SELECT t.ticker, w.* FROM unnest($1::varchar[]) AS t(ticker)
    CROSS JOIN LATERAL (
      SELECT array_agg(${epochDay('x.date')} ORDER BY x.date) AS days, array_agg(x.high::float8 ORDER BY x.date) AS high,
        array_agg(x.low::float8 ORDER BY x.date) AS low, array_agg(x.close::float8 ORDER BY x.date) AS close
      FROM (${source}) x) w
    WHERE w.days IS NOT NULL`
}

/**
 * Recomputes and stores the indicator columns (see `OhlcvRepo.recomputeIndicators`): per group of
 * tickers, one read of their bars as arrays, `computeIndicators`, then a bulk UPDATE from a COPY-filled
 * staging table, in one transaction per group.
 */
export async function recomputeIndicators(ctx: RepoContext, options: RecomputeOptions): Promise<RecomputeResult> {
  checkOne('ohlcv_data', options, optionsSchema(ctx.options.regions))
  const { region, from } = options
  const timeframe = options.timeframe ?? 'daily'
  const warmup = options.warmup ?? 500
  const tickers = options.tickers
    ? [...new Set(options.tickers)]
    : (await ctx.runner.query<{ ticker: string }>(
        `SELECT DISTINCT ticker FROM ohlcv_data WHERE region = $1 AND timeframe = $2 ${from ? 'AND date >= $3::date' : ''} ORDER BY ticker`,
        from ? [region, timeframe, from] : [region, timeframe],
      )).map((r) => r.ticker)
  const fromDay = from === undefined ? Number.NEGATIVE_INFINITY : isoToDay(from)
  const result: RecomputeResult = { tickers: 0, bars: 0, updated: 0 }

  for (let i = 0; i < tickers.length; i += TICKERS_PER_READ) {
    const group = tickers.slice(i, i + TICKERS_PER_READ)
    const params: unknown[] = [arrayLiteral(group), region, timeframe]
    if (from) params.push(from, warmup)
    const rows = await ctx.runner.queryArrays(readSql(from !== undefined), params)
    const lines: StageLine[] = []
    for (const row of rows) {
      const days = toInt32(row[1])
      const set = computeIndicators({ high: toFloat64(row[2]), low: toFloat64(row[3]), close: toFloat64(row[4]) })
      let start = 0
      while (start < days.length && (days[start] as number) < fromDay) start++
      csvLines(String(row[0]), region, timeframe, days, set, start, lines)
      result.bars += days.length - start
    }
    result.updated += await ctx.runner.transaction((tx) => writeIndicators(tx, lines, WRITE_ROWS[ctx.runner.kind]))
    result.tickers += group.length
    options.onProgress?.({ tickers: result.tickers, total: tickers.length })
  }
  return result
}
