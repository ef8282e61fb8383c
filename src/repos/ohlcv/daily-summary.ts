import { rowDecoder } from '../../internal/fast-select.js'
import { refreshWaitingForScheduler } from '../../internal/refresh.js'
import { ohlcvDailySummary } from '../../schema/index.js'
import type { RepoContext } from '../context.js'

/** One row of `ohlcv_daily_summary` (spec 4.1): per day and region, over daily bars. */
export type DailySummary = typeof ohlcvDailySummary.$inferSelect

// The view's columns in drizzle's order (rowDecoder decodes by position); `stale` comes after them.
const COLUMNS = 'v.day, v.region, v.n_tickers, v.avg_close, v.avg_volume, v.total_volume, v.avg_rsi, v.avg_atr'
const decode = rowDecoder<DailySummary>(ohlcvDailySummary)
const STALE = 8

// The window's rows, or one row of NULLs when there are none: the staleness flag always comes back.
const rowsWith = (stale: string) => `SELECT ${COLUMNS}, (${stale}) AS stale
  FROM (SELECT 1) one LEFT JOIN ohlcv_daily_summary v ON v.region = $1 AND v.day >= $2::date AND v.day <= $3::date
  ORDER BY v.day`

/**
 * TimescaleDB: the aggregate is stale over `[$2, $3]` when a write it has not processed touches it.
 * Writes below the invalidation threshold are logged, in the hypertable's log until a refresh moves
 * them to the aggregate's own; both logs hold internal time (microseconds since 1970 for a date) and
 * entries at or above the threshold mean nothing yet (the log starts with one up to +infinity).
 * Writes above the threshold are not logged at all: there, any stored bar in the window is stale.
 * That probe runs only when the window reaches above the threshold (CASE), as the newest bar up to
 * `$3` (an index walk from the newest chunk). No catalog row (never refreshed): stale.
 */
const TIMESCALE_STALE = `SELECT COALESCE(bool_or(
    EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l
      WHERE l.hypertable_id = w.raw AND l.lowest_modified_value < LEAST(w.hi, w.thr) AND l.greatest_modified_value >= w.lo)
    OR EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l
      WHERE l.materialization_id = w.mat AND l.lowest_modified_value < LEAST(w.hi, w.thr) AND l.greatest_modified_value >= w.lo)
    OR CASE WHEN w.hi > w.thr
      THEN COALESCE((SELECT max(d.date) FROM ohlcv_data d WHERE d.date <= $3::date) >= _timescaledb_functions.to_date(w.thr), false)
      ELSE false END), true)
  FROM (SELECT ca.mat_hypertable_id AS mat, ca.raw_hypertable_id AS raw, t.watermark AS thr,
      _timescaledb_functions.time_to_internal($2::date) AS lo, _timescaledb_functions.time_to_internal($3::date + 1) AS hi
    FROM _timescaledb_catalog.continuous_agg ca
    JOIN _timescaledb_catalog.continuous_aggs_invalidation_threshold t ON t.hypertable_id = ca.raw_hypertable_id
    WHERE ca.user_view_name = 'ohlcv_daily_summary' AND ca.user_view_schema = current_schema()) w`

/** Plain mode: migration 0003's trigger records every transaction that wrote `ohlcv_data`. */
const PLAIN_STALE = 'EXISTS (SELECT 1 FROM ohlcv_daily_summary_writes)'

const TIMESCALE_READ = rowsWith(TIMESCALE_STALE)
const PLAIN_READ = rowsWith(PLAIN_STALE)

/**
 * Reads `region`'s days `from`..`to` and whether the aggregate is stale there, in one prepared
 * statement; when it is (and `refresh` allows), refreshes and reads again. `refresh: true` refreshes
 * first whatever the logs say; `false` reads as stored.
 * @internal
 */
export async function readDailySummary(
  ctx: RepoContext, region: string, from: string, to: string, refresh: boolean | undefined,
): Promise<DailySummary[]> {
  if (refresh === true) await refreshDailySummaryWindow(ctx, { from, to })
  const text = ctx.capabilities.timescale ? TIMESCALE_READ : PLAIN_READ
  const read = () => ctx.runner.queryArrays(text, [region, from, to], { prepare: true })
  let rows = await read()
  if (refresh === undefined && rows[0]?.[STALE] === true && await refreshDailySummaryWindow(ctx, { from, to })) rows = await read()
  const out: DailySummary[] = []
  for (const row of rows) if (row[0] !== null) out.push(decode(row))
  return out
}

/**
 * Brings `ohlcv_daily_summary` up to date over `from`..`to` (validated 'YYYY-MM-DD' or undefined for
 * the whole history); `false` where it cannot (TimescaleDB inside a transaction).
 *
 * Plain mode: the recorded writes are deleted first, then the whole view is rebuilt, in one
 * transaction. The rebuild's snapshot is taken after the delete's, so every write whose record it
 * deleted is in the view; a write committed in between keeps its record (one refresh more later,
 * never a stale read). A failed rebuild rolls the delete back.
 * @internal
 */
export async function refreshDailySummaryWindow(
  ctx: RepoContext, window: { from?: string | undefined; to?: string | undefined },
): Promise<boolean> {
  if (!ctx.capabilities.timescale) {
    const rebuild = 'DELETE FROM ohlcv_daily_summary_writes; REFRESH MATERIALIZED VIEW CONCURRENTLY ohlcv_daily_summary'
    if (ctx.runner.inTransaction) await ctx.runner.exec(rebuild)
    else await ctx.runner.transaction((tx) => tx.exec(rebuild))
    return true
  }
  if (ctx.runner.inTransaction) return false
  // Validated 'YYYY-MM-DD' literals (CALL takes no bound parameters here); the window end is exclusive.
  const start = window.from !== undefined ? `DATE '${window.from}'` : 'NULL'
  const end = window.to !== undefined ? `DATE '${window.to}' + 1` : 'NULL'
  await refreshWaitingForScheduler(ctx, `CALL refresh_continuous_aggregate('ohlcv_daily_summary', ${start}, ${end})`)
  return true
}
