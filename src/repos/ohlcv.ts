import { z } from 'zod'
import type { OhlcvRow } from '../schema/index.js'
import type { OhlcvBarInput } from '../validation/ohlcv.js'
import { isoDate, regionCode, tickerCode } from '../validation/rules.js'
import { checkOne } from '../validation/validate.js'
import type { RepoContext } from './context.js'
import { recomputeIndicators, type RecomputeOptions, type RecomputeResult } from './ohlcv/indicators-writer.js'
import { upsertBars, type OhlcvUpsertOptions, type OhlcvUpsertResult } from './ohlcv/ingest.js'
import { readPanel, type Panel, type PanelField, type PanelOptions } from './ohlcv/panel.js'
import { name } from '../validation/text.js'
import { perRegions } from '../internal/fast-select.js'
import { readDailySummary, refreshDailySummaryWindow, type DailySummary } from './ohlcv/daily-summary.js'
import { BAR } from './ohlcv/columns.js'

export type { OhlcvBarInput, IndicatorField } from '../validation/ohlcv.js'
export { INDICATOR_FIELDS } from '../validation/ohlcv.js'
export type { OhlcvUpsertOptions, OhlcvUpsertResult } from './ohlcv/ingest.js'
export type { Panel, PanelField, PanelOptions } from './ohlcv/panel.js'
export type { RecomputeOptions, RecomputeResult } from './ohlcv/indicators-writer.js'

/**
 * A stored bar, as `recent` and `range` return it: prices and indicators as numbers (NUMERIC(18,4): 4
 * decimals, about 15 significant digits), `volume` a safe integer, `date` 'YYYY-MM-DD', `lastUpdated` a Date.
 *
 * `open`, `high`, `low`, `close` and `volume` are typed `number | null` although {@link OhlcvBarInput}
 * requires them: the spec's columns are nullable (rows imported or written through `qdb.db` may lack
 * them), so the read type says what the table can hold. Bars written through `ohlcv.upsert` always have
 * them. An indicator is null during its warm-up (e.g. the first 199 bars for `ma200`) and until
 * `recomputeIndicators` ran; `adjustedClose` is null when never given.
 *
 * @example
 * ```ts
 * const [last] = await qdb.ohlcv.recent({ ticker: '005930', region: 'KR', limit: 1 })
 * if (last?.close != null) console.log(last.date, last.close, last.rsi ?? 'RSI warming up')
 * ```
 */
export type Bar = OhlcvRow

export type { DailySummary } from './ohlcv/daily-summary.js'

const limitSchema = z.number().int().min(1).max(1_000_000)
const timeframeSchema = name(10, 1)

/** Arguments of `qdb.ohlcv.recent`. */
export interface OhlcvRecentOptions {
  /** The ticker code, e.g. `005930`. */
  ticker: string
  /** The ticker's region, e.g. `KR`. */
  region: string
  /** How many bars, newest first (default 250, at most 1,000,000). */
  limit?: number | undefined
  /** Default 'daily'. */
  timeframe?: string | undefined
}

/** Arguments of `qdb.ohlcv.range`: dates inclusive, 'YYYY-MM-DD'. */
export interface OhlcvRangeOptions {
  /** The ticker code. */
  ticker: string
  /** The ticker's region. */
  region: string
  /** First day, inclusive ('YYYY-MM-DD'). */
  from: string
  /** Last day, inclusive ('YYYY-MM-DD'), not before `from`. */
  to: string
  /** Default 'daily'. */
  timeframe?: string | undefined
}

/** Arguments of `qdb.ohlcv.dailySummary`. */
export interface DailySummaryOptions {
  /** The region summarized, e.g. `KR`. */
  region: string
  /** First day, inclusive ('YYYY-MM-DD'). */
  from: string
  /** Last day, inclusive ('YYYY-MM-DD'). */
  to: string
  /**
   * Default: refresh the aggregate over `from`..`to` only when a write it has not taken in touches
   * that window (checked in the read statement itself). `true`: refresh first in any case; `false`:
   * read as stored. See `refreshDailySummary` for transactions.
   */
  refresh?: boolean | undefined
}

/** Arguments of `qdb.ohlcv.refreshDailySummary`: the window to refresh (default: the whole history). */
export interface RefreshWindow {
  /** First day refreshed, inclusive ('YYYY-MM-DD'); default: the whole history. */
  from?: string | undefined
  /** Last day refreshed, inclusive ('YYYY-MM-DD'); default: today. */
  to?: string | undefined
}

const recentSchema = perRegions((regions) => z.object({
  ticker: tickerCode, region: regionCode(regions), limit: limitSchema.optional(), timeframe: timeframeSchema.optional(),
}).strict())
const rangeSchema = perRegions((regions) => z.object({
  ticker: tickerCode, region: regionCode(regions), from: isoDate, to: isoDate, timeframe: timeframeSchema.optional(),
}).strict())
const dailySummarySchema = perRegions((regions) => z.object({
  region: regionCode(regions), from: isoDate, to: isoDate, refresh: z.boolean().optional(),
}).strict())
const refreshWindowSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() }).strict()

// ---- recent(): its statements and row decoder (see the method) ----
const BAR_SELECT = `SELECT ${BAR.list(BAR.names)} FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = $3`
const LATEST_SQL = `${BAR_SELECT} ORDER BY date DESC LIMIT $4`
const LATEST_SINCE_SQL = `${BAR_SELECT} AND date >= $5::date ORDER BY date DESC LIMIT $4`
const RANGE_SQL = `${BAR_SELECT} AND date >= $4::date AND date <= $5::date ORDER BY date`
const rangeInputSchemas = perRegions((regions) => z.object({
  ticker: tickerCode, region: regionCode(regions), from: isoDate, to: isoDate, timeframe: timeframeSchema,
}))
const summaryInputSchemas = perRegions((regions) => z.object({
  region: regionCode(regions), from: isoDate, to: isoDate, refresh: z.boolean().optional(),
}))
/**
 * One row of BAR_SELECT as a Bar, the values drizzle's select() gives (its column decoders): DATE stays
 * the 'YYYY-MM-DD' text both drivers return, NUMERIC and BIGINT become numbers, TIMESTAMPTZ a Date.
 */
const decodeBar = BAR.decoder<Bar>()

/**
 * `qdb.ohlcv`: daily (or other timeframe) bars with their technical indicators.
 *
 * Prices are NUMERIC(18,4) in the database and `number` here: stored values are rounded to 4
 * decimals, and any number a double holds exactly to 4 decimals (below ~1e11) round-trips exactly.
 */
export class OhlcvRepo {
  /** The database or transaction and the settings this repository works with. @internal */
  protected readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

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
   * The last `limit` bars of one ticker (default 250), newest first (spec 8.1, query 1: an index scan
   * on `(ticker, region, date DESC)`). With TimescaleDB a recent-days window is tried first, so that
   * the old chunks are not even planned; a ticker without `limit` bars in it is read without the window.
   * (Renamed from `latest`, which `factors.latest` uses for the newest row of many keys.)
   * @example `const bars = await qdb.ohlcv.recent({ ticker: '005930', region: 'KR', limit: 20 })`
   */
  async recent(options: OhlcvRecentOptions): Promise<Bar[]> {
    const o = checkOne('ohlcv_data', options, recentSchema(this.ctx.options.regions))
    const { ticker, region } = o
    const limit = o.limit ?? 250
    const timeframe = o.timeframe ?? 'daily'
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
   * @example `const year = await qdb.ohlcv.range({ ticker: 'AAPL', region: 'US', from: '2024-01-01', to: '2024-12-31' })`
   */
  async range(options: OhlcvRangeOptions): Promise<Bar[]> {
    const { ticker, region, from, to, timeframe = 'daily' } = checkOne('ohlcv_data', options, rangeSchema(this.ctx.options.regions))
    // As recent(): one prepared statement, rows decoded by position into what drizzle's select gave.
    const rows = await this.ctx.runner.queryArrays(RANGE_SQL, [ticker, region, timeframe, from, to], { prepare: true })
    return rows.map(decodeBar)
  }

  /**
   * Many tickers x many days for a backtest, aligned on one calendar (the union of the tickers'
   * dates, or `calendar`): one `Float64Array` per field per ticker, NaN where a ticker has no bar.
   * Read by binary COPY, one row per ticker with its days and fields as arrays (server: up to 4 groups of
   * tickers at once), decoded into typed arrays: no JS object per bar. Fastest on compressed history
   * merged into few chunks (`ops.mergeCompressedChunks`): 0.27x the time of a hand SELECT at the spec's capacity.
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
   * With `from`, only bars on or after `from` are written, with the values of a computation over the
   * whole history (exactly): each ticker continues from where its indicators stood after its last bar
   * before `from`, as the previous run kept it in `ohlcv_indicator_state`, so a daily run reads one new
   * bar per ticker; without such a state (first run, or `ohlcv.upsert` rewrote bars at or before it)
   * from its first bar. Without `from`, each state is checked against a fingerprint of the stored rows
   * first, and only tickers whose rows changed since are read. Bars whose stored values are already
   * right are not rewritten. Rows changed by raw SQL are not seen by a run with `from`: run one
   * without it. An explicit `warmup` reads that many bars before `from` instead (the former method).
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
   * first, as stored: a write to `ohlcv_data` by any means (the library, raw SQL, COPY, DELETE) is in
   * the result. The statement that reads the window also says whether the aggregate is stale there
   * (TimescaleDB: its invalidation logs, and bars above its invalidation threshold; plain mode: the
   * writes migration 0003's trigger recorded), so a call on an up-to-date aggregate is one round trip;
   * a stale one refreshes over `from`..`to` and reads again (plain mode rebuilds the whole view).
   * `refresh: true` refreshes first in any case, `refresh: false` never. Inside a transaction with
   * TimescaleDB the refresh cannot run and the aggregate is read as last refreshed. (With TimescaleDB, `upsert`
   * and `recomputeIndicators` also refresh the days they wrote when those reach back further than the
   * aggregate's policy looks, 3 days.)
   *
   * @example `const days = await qdb.ohlcv.dailySummary({ region: 'KR', from: '2024-01-01', to: '2024-03-31' })`
   */
  async dailySummary(options: DailySummaryOptions): Promise<DailySummary[]> {
    const { region, from, to, refresh } = checkOne('ohlcv_daily_summary', options, dailySummarySchema(this.ctx.options.regions))
    return readDailySummary(this.ctx, region, from, to, refresh)
  }

  /**
   * Brings `ohlcv_daily_summary` up to date: `refresh_continuous_aggregate` over `from`..`to` (whole
   * history by default) with TimescaleDB; `REFRESH MATERIALIZED VIEW CONCURRENTLY` (readers are not
   * blocked, the whole view is rebuilt) in plain mode. Returns `false` where it cannot refresh: inside a
   * transaction with TimescaleDB (PostgreSQL forbids `refresh_continuous_aggregate` there), as
   * `factors.refreshMonthlyPerformance` does.
   * @example `await qdb.ohlcv.refreshDailySummary({ from: '2024-06-01' })`
   */
  async refreshDailySummary(options: RefreshWindow = {}): Promise<boolean> {
    return refreshDailySummaryWindow(this.ctx, checkOne('ohlcv_daily_summary', options, refreshWindowSchema))
  }
}
