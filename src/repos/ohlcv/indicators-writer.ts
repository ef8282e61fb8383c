import { z } from 'zod'
import { QuantDbError } from '../../errors.js'
import type { QueryRunner } from '../../drivers/types.js'
import { computeIndicators, type IndicatorSet } from '../../indicators/index.js'
import { INDICATOR_FIELDS } from '../../validation/ohlcv.js'
import { isoDate, regionCode, tickerCode } from '../../validation/rules.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { INDICATOR_COLUMNS } from './columns.js'
import { csvLines, writeIndicators, type DayRange, type StageLine } from './indicators-write.js'
import { dayToIso, isoToDay, toFloat64, toInt32 } from '../../internal/sql-arrays.js'
import { resumeIndicators, type IndicatorState } from '../../indicators/resume.js'
import { readCheckpoints, replaceCheckpoints, unchangedThrough, type NewCheckpoints } from './indicator-state.js'
import { inDateOrder, readSeries, readWindowed } from './indicators-read.js'
import { name } from '../../validation/text.js'
import { acquireStage, refreshSummaryAfterWrite } from './write-session.js'
import { embeddedReclaimer } from './embedded-reclaim.js'
import { regionTickers } from './region-tickers.js'

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
   * Bars read before `from` to warm the indicators up, instead of the exact method. By default each
   * ticker continues from where its indicators stood before `from` (kept by the previous run, see
   * `ohlcv_indicator_state`), or else from its first bar: the values are those of a whole-history
   * computation, every bit. With a warm-up, the recursive ones (EMA, Wilder) start again `warmup` bars
   * back: with 500 they differ from the whole history by less than 1e-12 of the price, which can
   * still, rarely, move a 4th decimal; 500 also covers the longest window (ma200) plus MACD's start.
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
// Tickers of a group read per query from their first bar. Embedded, 20: a read's result passes
// through PGlite's receive buffer, grown (and copied) to the result's size, ~20 MB for 100 tickers of
// 5 years, memory the process keeps once freed (a 200-ticker recompute with a dataDir: RSS +184 MB
// read 100 at a time, +93 MB 20 at a time, same time taken).
const READ_TICKERS: Record<QueryRunner['kind'], number> = { embedded: 20, postgres: TICKERS_PER_READ }
// Bars a group of a run from `from` may write, and its most tickers: a daily run computes one bar a
// ticker, so one group of 1,000 tickers instead of ten of 100 (each group is a transaction of ~10
// statements and round trips); the bars written bound the lines held.
const LINES_PER_GROUP = 500_000
const MAX_GROUP = 1_000

/** Tickers per group (transaction): TICKERS_PER_READ, more when writing only from a recent `from`. */
function groupSize(from: string | undefined, warmup: number | undefined): number {
  if (from === undefined || warmup !== undefined) return TICKERS_PER_READ
  // Calendar days since `from` bound each ticker's bars to write (a later `from` than today: one day).
  const days = Math.max(1, Math.ceil((Date.now() - Date.parse(`${from}T00:00:00Z`)) / 86_400_000))
  return Math.min(MAX_GROUP, Math.max(TICKERS_PER_READ, Math.floor(LINES_PER_GROUP / days)))
}

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

/** What one group of tickers came to. */
interface GroupResult { bars: number; updated: number }

interface Group {
  ctx: RepoContext
  tickers: readonly string[]
  region: string
  timeframe: string
  from: string | undefined
  stage: string
  written: DayRange
}

const seriesOf = (row: unknown[], from: number, to: number) => ({
  high: toFloat64(row[2]).subarray(from, to), low: toFloat64(row[3]).subarray(from, to), close: toFloat64(row[4]).subarray(from, to),
})
const storedOf = (row: unknown[]) => INDICATOR_COLUMNS.map((_, k) => toFloat64(row[5 + k]))

/** Two indicator sets one after the other. */
function joined(a: IndicatorSet, b: IndicatorSet): IndicatorSet {
  const out = {} as Record<keyof IndicatorSet, Float64Array>
  for (const f of INDICATOR_FIELDS) {
    const both = new Float64Array(a[f].length + b[f].length)
    both.set(a[f])
    both.set(b[f], a[f].length)
    out[f] = both
  }
  return out
}

/**
 * One group with the exact method, in one REPEATABLE READ transaction (the states, the bars, the
 * writes and the new states' fingerprints all see one snapshot): per ticker, from its latest
 * checkpoint before `from` (any, verified by fingerprint, without `from`) when there is one and the
 * bar at its day is unchanged, else from the first bar; then the changed bars written and the last
 * two checkpoints kept.
 */
async function exactGroup(tx: QueryRunner, g: Group): Promise<GroupResult> {
  const { region, timeframe, from } = g
  const fromDay = from === undefined ? undefined : isoToDay(from)
  const writeFrom = fromDay ?? Number.NEGATIVE_INFINITY
  const bases = await readCheckpoints(tx, g.tickers, region, timeframe, fromDay)
  if (fromDay === undefined) {
    // A full run: a checkpoint counts only if the rows through it are still those it was written after.
    const unchanged = await unchangedThrough(tx, [...bases.values()], region, timeframe)
    for (const t of [...bases.keys()]) if (!unchanged.has(t)) bases.delete(t)
  }
  const rows = await readSeries(tx, [...bases.values()].map((c) => ({ ticker: c.ticker, after: c.day })), region, timeframe, undefined)
  const resumed = new Map<string, unknown[]>()
  for (const row of rows) {
    const base = bases.get(String(row[0]))!
    const days = toInt32(row[1])
    const [high, low, close] = [2, 3, 4].map((k) => toFloat64(row[k])[0])
    // The bar the state ends with must still be there, unchanged (a write by other means than the library).
    if (days[0] === base.day && Object.is(high, base.high) && Object.is(low, base.low) && Object.is(close, base.close)) resumed.set(base.ticker, row)
  }
  const lines: StageLine[] = []
  const kept: NewCheckpoints[] = []
  let bars = 0
  const compute = (row: unknown[]) => {
    const ticker = String(row[0])
    const base = resumed.has(ticker) ? bases.get(ticker) : undefined
    const days = inDateOrder(ticker, toInt32(row[1]))
    const n = days.length
    const start = base ? 1 : 0 // the first bar to compute (a base's own bar is read to check it)
    if (fromDay === undefined) bars += base ? base.state.bars + n - 1 : n
    else for (let j = start; j < n; j++) if ((days[j] as number) >= fromDay) bars++
    if (n - start === 0) return
    // The state after the second-to-last bar is kept too: a re-run from the last day (or after the
    // last bar was corrected) continues from it.
    const first = n - start >= 2 ? resumeIndicators(seriesOf(row, start, n - 1), base?.state) : undefined
    const last = resumeIndicators(seriesOf(row, n - 1, n), first?.state ?? base?.state)
    const set = first ? joined(first.set, last.set) : last.set
    const stored = storedOf(row)
    const staleBefore = csvLines({ ticker, region, timeframe }, days, set, start, stored, writeFrom, lines)
    const checkpointAt = (j: number, state: IndicatorState) => ({
      day: days[j] as number, state, high: toFloat64(row[2])[j] as number, low: toFloat64(row[3])[j] as number, close: toFloat64(row[4])[j] as number,
    })
    const checkpoints = [first ? checkpointAt(n - 2, first.state) : base && { ...base, stored: true }, checkpointAt(n - 1, last.state)]
      .filter((c) => c !== undefined)
    // The fingerprint is known when every row after the base was compared and is now right.
    const comparedAll = base !== undefined || stored[0]!.length === n
    kept.push({
      ticker, after: base?.day ?? Number.NEGATIVE_INFINITY, checkpoints,
      baseFingerprint: staleBefore || !comparedAll ? null : base ? base.fingerprint : '0',
    })
  }
  for (const row of resumed.values()) compute(row)
  // The others from their first bar, READ_TICKERS at a time (a group from states can be larger):
  // each read's rows are dropped once computed.
  const whole = g.tickers.filter((t) => !resumed.has(t))
  const perRead = READ_TICKERS[tx.kind]
  for (let i = 0; i < whole.length; i += perRead) {
    const slice = whole.slice(i, i + perRead).map((ticker) => ({ ticker, after: Number.NEGATIVE_INFINITY }))
    for (const row of await readSeries(tx, slice, region, timeframe, from)) compute(row)
  }
  const updated = lines.length > 0 ? await writeIndicators(tx, g.ctx, g.stage, lines, WRITE_ROWS[tx.kind], g.written) : 0
  await replaceCheckpoints(tx, kept, region, timeframe)
  return { bars, updated }
}

/** One group with an explicit `warmup` before `from` (the former method): no checkpoint read or kept. */
async function warmupGroup(ctx: RepoContext, g: Group, warmup: number): Promise<GroupResult> {
  const rows = await readWindowed(ctx.runner, g.tickers, g.region, g.timeframe, g.from!, warmup)
  const fromDay = isoToDay(g.from!)
  const lines: StageLine[] = []
  let bars = 0
  for (const row of rows) {
    const days = inDateOrder(String(row[0]), toInt32(row[1]))
    const set = computeIndicators({ high: toFloat64(row[2]), low: toFloat64(row[3]), close: toFloat64(row[4]) })
    csvLines({ ticker: String(row[0]), region: g.region, timeframe: g.timeframe }, days, set, 0, storedOf(row), fromDay, lines)
    for (const d of days) if (d >= fromDay) bars++
  }
  const write = () => ctx.runner.transaction((tx) => writeIndicators(tx, ctx, g.stage, lines, WRITE_ROWS[ctx.runner.kind], g.written))
  const updated = lines.length === 0 ? 0 : ctx.runner.inTransaction ? await write() : await redone(write)
  return { bars, updated }
}

/**
 * `run` (one whole transaction), run again after a serialization failure (a concurrent write touched
 * what it read) or a deadlock (e.g. with a compression job taking a chunk: the server aborted this side
 * of it), up to 3 times: the failed attempt was rolled back, so nothing of it is left.
 */
async function redone<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const redo = error instanceof QuantDbError && (error.reason === 'serialization' || error.reason === 'deadlock')
      if (!redo || attempt >= 3) throw error
    }
  }
}

/**
 * Recomputes and stores the indicator columns (see `OhlcvRepo.recomputeIndicators`), per group of
 * tickers: without an explicit `warmup`, exactly (see `exactGroup`); with one, from `warmup` bars
 * before `from`.
 * @internal
 */
export async function recomputeIndicators(ctx: RepoContext, options: RecomputeOptions): Promise<RecomputeResult> {
  // The validated copy is what runs: a getter on the caller's object is read once, here.
  const o = checkOne('ohlcv_data', options, optionsSchema(ctx.options.regions))
  const { region, from } = o
  const timeframe = o.timeframe ?? 'daily'
  const tickers = o.tickers
    ? [...new Set(o.tickers)]
    : await regionTickers(ctx, region, timeframe, from)
  const result: RecomputeResult = { tickers: 0, bars: 0, updated: 0 }

  const written: DayRange = { first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY }
  const stage = acquireStage('qdb_indicator_stage')
  const reclaim = embeddedReclaimer(ctx)
  try {
    const perGroup = groupSize(from, o.warmup)
    for (let i = 0; i < tickers.length; i += perGroup) {
      const g: Group = { ctx, tickers: tickers.slice(i, i + perGroup), region, timeframe, from, stage: stage.name, written }
      let done: GroupResult | undefined
      if (o.warmup !== undefined && from !== undefined) done = await warmupGroup(ctx, g, o.warmup)
      // Inside a caller's transaction: a savepoint, at the caller's isolation level.
      else if (ctx.runner.inTransaction) done = await ctx.runner.transaction((tx) => exactGroup(tx, g))
      else done = await redone(() => ctx.runner.transaction((tx) => exactGroup(tx, g), { isolationLevel: 'repeatable read' }))
      result.bars += done.bars
      result.updated += done.updated
      result.tickers += g.tickers.length
      // Embedded: recompress, rewrite compactly, checkpoint, so no group adds to what the next one finds.
      if (done.updated > 0) await reclaim.afterGroup()
      o.onProgress?.({ tickers: result.tickers, total: tickers.length })
    }
  } finally {
    stage.release()
  }
  // The daily summary averages RSI and ATR: bring it up to date where they changed (a backfill's history).
  if (timeframe === 'daily' && result.updated > 0) await refreshSummaryAfterWrite(ctx, dayToIso(written.first), dayToIso(written.last))
  return result
}
