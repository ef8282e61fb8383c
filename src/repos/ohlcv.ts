import { and, asc, eq, gte, lte } from 'drizzle-orm'
import { z } from 'zod'
import { QuantDbError } from '../errors.js'
import { ohlcvData, ohlcvDailySummary, type OhlcvRow } from '../schema/index.js'
import type { OhlcvBarInput } from '../validation/ohlcv.js'
import { isoDate, regionCode, tickerCode } from '../validation/rules.js'
import { checkOne } from '../validation/validate.js'
import type { RepoContext } from './context.js'
import { recomputeIndicators, type RecomputeOptions, type RecomputeResult } from './ohlcv/indicators-writer.js'
import { upsertBars, type OhlcvUpsertOptions, type OhlcvUpsertResult } from './ohlcv/ingest.js'
import { readPanel, type Panel, type PanelField, type PanelOptions } from './ohlcv/panel.js'
import { name } from '../validation/text.js'
import { refreshWaitingForScheduler } from '../internal/refresh.js'
import { CachedRead, perRegions } from '../internal/fast-select.js'

export type { OhlcvBarInput, IndicatorField } from '../validation/ohlcv.js'
export { INDICATOR_FIELDS } from '../validation/ohlcv.js'
export type { OhlcvUpsertOptions, OhlcvUpsertResult } from './ohlcv/ingest.js'
export type { Panel, PanelField, PanelOptions } from './ohlcv/panel.js'
export type { RecomputeOptions, RecomputeResult } from './ohlcv/indicators-writer.js'

/** A stored bar: prices and indicators as numbers (NUMERIC(18,4): 4 decimals, about 15 significant digits), `date` 'YYYY-MM-DD'. */
export type Bar = OhlcvRow

/** One row of `ohlcv_daily_summary` (spec 4.1): per day and region, over daily bars. */
export type DailySummary = typeof ohlcvDailySummary.$inferSelect

const limitSchema = z.number().int().min(1).max(1_000_000)
const timeframeSchema = name(10, 1)

// ---- latest(): its statements and row decoder (see the method) ----
const latestInputSchemas = new WeakMap<ReadonlySet<string>, z.ZodType>()
// Every column of ohlcv_data, in the order of the decoder below (and of drizzle's select()).
const BAR_SELECT = `SELECT ticker, region, date, timeframe, open, high, low, close, volume, adjusted_close,
  ma5, ma20, ma60, ma120, ma200, rsi, macd, macd_signal, bb_upper, bb_middle, bb_lower, atr, last_updated
  FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = $3`
const LATEST_SQL = `${BAR_SELECT} ORDER BY date DESC LIMIT $4`
const LATEST_SINCE_SQL = `${BAR_SELECT} AND date >= $5::date ORDER BY date DESC LIMIT $4`
const RANGE_SQL = `${BAR_SELECT} AND date >= $4::date AND date <= $5::date ORDER BY date`
const rangeInputSchemas = perRegions((regions) => z.object({
  ticker: tickerCode, region: regionCode(regions), from: isoDate, to: isoDate, timeframe: timeframeSchema,
}))
const summaryInputSchemas = perRegions((regions) => z.object({
  region: regionCode(regions), from: isoDate, to: isoDate, refresh: z.boolean().optional(),
}))
const summaryReads = new CachedRead<DailySummary>(ohlcvDailySummary)
/** NUMERIC / BIGINT as drizzle's `mode: 'number'` columns decode them (text on the wire, or a number). */
const num = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'number' ? v : Number(v))
/**
 * One row of BAR_SELECT as a Bar, the values drizzle's select() gives (its column decoders, inlined):
 * DATE stays the 'YYYY-MM-DD' text both drivers return, TIMESTAMPTZ text becomes a Date (drizzle's
 * `new Date(text)`). One object literal of one shape; the `Bar` type makes a new column a compile error here.
 */
function decodeBar(r: unknown[]): Bar {
  const date = r[2]
  const updated = r[22]
  return {
    ticker: r[0] as string, region: r[1] as string,
    date: typeof date === 'string' ? date : (date as Date).toISOString().slice(0, 10), timeframe: r[3] as string,
    open: num(r[4]), high: num(r[5]), low: num(r[6]), close: num(r[7]), volume: num(r[8]), adjustedClose: num(r[9]),
    ma5: num(r[10]), ma20: num(r[11]), ma60: num(r[12]), ma120: num(r[13]), ma200: num(r[14]), rsi: num(r[15]),
    macd: num(r[16]), macdSignal: num(r[17]), bbUpper: num(r[18]), bbMiddle: num(r[19]), bbLower: num(r[20]), atr: num(r[21]),
    lastUpdated: updated === null || updated === undefined ? null : typeof updated === 'string' ? new Date(updated) : updated as Date,
  }
}

/**
 * `qdb.ohlcv`: daily (or other timeframe) bars with their technical indicators.
 *
 * Prices are NUMERIC(18,4) in the database and `number` here: stored values are rounded to 4
 * decimals, and any number a double holds exactly to 4 decimals (below ~1e11) round-trips exactly.
 */
export class OhlcvRepo {
  constructor(protected readonly ctx: RepoContext) {}

  /**
   * Inserts or updates bars by `(ticker, region, date, timeframe)`, idempotently. Every bar is
   * validated first (positive prices within NUMERIC(18,4), the spec's OHLC rules, volume a safe
   * integer >= 0, real dates, known regions, no duplicate key in the call); by default one bad bar
   * rejects the call with a ValidationError naming row and field and nothing is written; with
   * `onInvalid: 'skip'` bad bars are returned in `rejectedRows` and the rest is written.
   *
   * One transaction (a savepoint inside `qdb.transaction`). Bars that are all new (no stored bar of
   * these tickers in the call's days: a day's ingest, a backfill) are COPYed straight into the table;
   * otherwise they go by COPY through a staging table and a merge, in batches, so any number of bars
   * works; bars in any number of compressed chunks are updated in place.
   * Re-sent identical bars are counted `unchanged` and not rewritten; changed ones get a fresh
   * `last_updated`. `adjustedClose` left out keeps the stored value. Indicators are normally left to
   * `recomputeIndicators` (prices changed here make them stale until it runs); a bar may carry them
   * (imports), in which case all twelve are written, missing ones as NULL.
   *
   * @example
   * ```ts
   * const { inserted, updated, rejected } = await qdb.ohlcv.upsert(bars, {
   *   onInvalid: 'skip', onProgress: ({ written, total }) => console.log(`${written}/${total}`),
   * })
   * ```
   */
  upsert(bars: readonly OhlcvBarInput[], options: OhlcvUpsertOptions = {}): Promise<OhlcvUpsertResult> {
    return upsertBars(this.ctx, bars, options)
  }

  /**
   * The latest `limit` bars of a ticker (default 250), newest first (spec 8.1, query 1: an index scan
   * on `(ticker, region, date DESC)`). With TimescaleDB a recent-days window is tried first, so that
   * the old chunks are not even planned; a ticker without `limit` bars in it is read without the window.
   * @example `const bars = await qdb.ohlcv.latest('005930', 'KR', { limit: 20 })`
   */
  async latest(ticker: string, region: string, options: { limit?: number; timeframe?: string } = {}): Promise<Bar[]> {
    const { limit = 250, timeframe = 'daily' } = options
    // The input schema is built once per set of regions: building a zod object costs more than the query.
    const regions = this.ctx.options.regions
    let schema = latestInputSchemas.get(regions)
    if (!schema) latestInputSchemas.set(regions, schema = z.object({
      ticker: tickerCode, region: regionCode(regions), limit: limitSchema, timeframe: timeframeSchema,
    }))
    checkOne('ohlcv_data', { ticker, region, limit, timeframe }, schema)
    // One hand-written statement, rows as arrays decoded by position (decodeBar) into the values
    // drizzle's select gave: dates 'YYYY-MM-DD', NUMERIC and BIGINT as numbers, last_updated a Date.
    // Measured (bench/ohlcv-reads.ts): half the time of drizzle's select on a server, most of it
    // drizzle's generic row mapper and query building.
    const read = async (since?: string): Promise<Bar[]> => {
      const rows = since === undefined
        ? await this.ctx.runner.queryArrays(LATEST_SQL, [ticker, region, timeframe, limit], { prepare: true })
        : await this.ctx.runner.queryArrays(LATEST_SINCE_SQL, [ticker, region, timeframe, limit, since], { prepare: true })
      return rows.map(decodeBar)
    }
    // Without a date bound a hypertable query is planned over every chunk, which dominates on a long
    // history; a window wide enough for `limit` trading days lets TimescaleDB exclude the old chunks.
    // Every bar outside the window is older than every bar inside, so a full window is the answer.
    if (this.ctx.capabilities.timescale && timeframe === 'daily') {
      const since = new Date(Date.now() - (Math.ceil(limit * 1.5) + 30) * 86_400_000).toISOString().slice(0, 10)
      const recent = await read(since)
      if (recent.length === limit) return recent
    }
    return read()
  }

  /**
   * A ticker's bars from `from` to `to` inclusive, oldest first.
   * @example `const year = await qdb.ohlcv.range('AAPL', 'US', '2024-01-01', '2024-12-31')`
   */
  async range(ticker: string, region: string, from: string, to: string, options: { timeframe?: string } = {}): Promise<Bar[]> {
    const { timeframe = 'daily' } = options
    checkOne('ohlcv_data', { ticker, region, from, to, timeframe }, rangeInputSchemas(this.ctx.options.regions))
    // As latest(): one prepared statement, rows decoded by position into what drizzle's select gave.
    const rows = await this.ctx.runner.queryArrays(RANGE_SQL, [ticker, region, timeframe, from, to], { prepare: true })
    return rows.map(decodeBar)
  }

  /**
   * Many tickers x many days for a backtest, aligned on one calendar (the union of the tickers'
   * dates, or `calendar`): one `Float64Array` per field per ticker, NaN where a ticker has no bar.
   * Read as per-ticker arrays (`array_agg`), never one object per bar, in groups of 500 tickers.
   *
   * @example
   * ```ts
   * const p = await qdb.ohlcv.panel({ tickers: ['005930', '000660'], region: 'KR',
   *   from: '2020-01-01', to: '2024-12-31', fields: ['close', 'adjustedClose', 'volume'] })
   * const samsung = p.fields.adjustedClose[0]   // Float64Array aligned with p.dates
   * ```
   */
  panel<F extends PanelField = 'close'>(options: PanelOptions<F>): Promise<Panel<F>> {
    return readPanel(this.ctx, options)
  }

  /**
   * Recomputes and stores the indicator columns from the stored bars: ma5/20/60/120/200 (SMA of
   * `close`), rsi (14, Wilder, on `close`), macd (EMA12 − EMA26 of `close`), macd_signal (EMA9 of
   * macd), bb_upper/middle/lower (SMA20 of `close` ± 2 population standard deviations) and atr (14,
   * Wilder, on high/low/close). They use the raw `close`, not `adjusted_close`, as stored in the same
   * row. Computed per ticker over its own bars in date order (a missing day is not a gap), by
   * `computeIndicators` of src/indicators; values are rounded to the columns' 4 decimals. Bars whose
   * warm-up is not complete (e.g. the first 199 for ma200, the first 14 for rsi) get NULL.
   *
   * With `from`, the `warmup` bars (default 500) before it are read too, and only bars on or after
   * `from` are written. Bars whose stored values are already right are not rewritten.
   *
   * @example
   * ```ts
   * await qdb.ohlcv.upsert(todaysBars)
   * await qdb.ohlcv.recomputeIndicators({ region: 'KR', from: '2024-06-03' })
   * ```
   */
  recomputeIndicators(options: RecomputeOptions): Promise<RecomputeResult> {
    return recomputeIndicators(this.ctx, options)
  }

  /**
   * Per-day market statistics of a region from the `ohlcv_daily_summary` aggregate (spec 4.1), oldest
   * first. The aggregate holds what was there at its last refresh. With TimescaleDB, `upsert` and
   * `recomputeIndicators` refresh the days they wrote when those reach back further than the
   * aggregate's policy looks (3 days): a backfill is in the summary when they return; recent days come
   * with the policy (`qdb.ops.runJobs()` embedded). Writes made inside `qdb.transaction`, and plain
   * mode: pass `refresh: true` (or call `refreshDailySummary`) after writing bars, outside a transaction.
   *
   * @example `const days = await qdb.ohlcv.dailySummary({ region: 'KR', from: '2024-01-01', to: '2024-03-31', refresh: true })`
   */
  async dailySummary(options: { region: string; from: string; to: string; refresh?: boolean }): Promise<DailySummary[]> {
    const { region, from, to } = checkOne('ohlcv_daily_summary', options, summaryInputSchemas(this.ctx.options.regions))
    if (options.refresh) await this.refreshDailySummary({ from, to })
    const v = ohlcvDailySummary
    return summaryReads.run(this.ctx.runner, 'summary', () => this.ctx.runner.db.select().from(v)
      .where(and(eq(v.region, region), gte(v.day, from), lte(v.day, to)))
      .orderBy(asc(v.day)), [region, from, to])
  }

  /**
   * Brings `ohlcv_daily_summary` up to date: `refresh_continuous_aggregate` over `from`..`to` (whole
   * history by default) with TimescaleDB, which must run outside a transaction; `REFRESH MATERIALIZED
   * VIEW CONCURRENTLY` (readers are not blocked, the whole view is rebuilt) in plain mode.
   * @example `await qdb.ohlcv.refreshDailySummary({ from: '2024-06-01' })`
   */
  async refreshDailySummary(options: { from?: string; to?: string } = {}): Promise<void> {
    checkOne('ohlcv_daily_summary', options, z.object({ from: isoDate.optional(), to: isoDate.optional() }))
    if (!this.ctx.capabilities.timescale) {
      await this.ctx.runner.exec('REFRESH MATERIALIZED VIEW CONCURRENTLY ohlcv_daily_summary')
      return
    }
    if (this.ctx.runner.inTransaction) {
      throw new QuantDbError('unsupported', 'TimescaleDB refreshes a continuous aggregate only outside a transaction: refresh after it commits.')
    }
    // Validated 'YYYY-MM-DD' literals (CALL takes no bound parameters here); the window end is exclusive.
    const start = options.from ? `DATE '${options.from}'` : 'NULL'
    const end = options.to ? `DATE '${options.to}' + 1` : 'NULL'
    await refreshWaitingForScheduler(this.ctx, `CALL refresh_continuous_aggregate('ohlcv_daily_summary', ${start}, ${end})`)
  }
}
