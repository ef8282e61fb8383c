import { rowDecoder, selectList } from '../../internal/fast-select.js'
import { refreshPlainView, refreshWaitingForScheduler } from '../../internal/refresh.js'
import { ohlcvDailySummary } from '../../schema/index.js'
import type { RepoContext } from '../context.js'

/** One row of `ohlcv_daily_summary` (spec 4.1): per day and region, over daily bars. */
export type DailySummary = typeof ohlcvDailySummary.$inferSelect

// The view's columns in drizzle's order (rowDecoder decodes by position); `stale` comes after them.
const decode = rowDecoder<DailySummary>(ohlcvDailySummary)
const COLUMNS = selectList(ohlcvDailySummary, 'v')
const STALE = COLUMNS.split(', ').length
const WINDOW = 'FROM ohlcv_daily_summary v WHERE v.region = $1 AND v.day >= $2::date AND v.day <= $3::date ORDER BY v.day'

/**
 * The window's rows, each with whether the aggregate is stale there: `ohlcv_daily_summary_stale`
 * (migration 0003; TimescaleDB: its invalidation logs and threshold; plain mode: the writes its trigger
 * recorded) runs once per statement (an InitPlan). A function, not the same test inlined: the statement
 * is planned on every call (a custom plan, as the hand SQL's), and planning the catalog joins cost
 * ~0.4 ms where the whole read takes ~0.3-0.5 ms; the function's own plans are kept by the session.
 * An empty window asks the function alone (a LEFT JOIN that always returns a row cost ~0.05 ms a call).
 */
const READ = `SELECT ${COLUMNS}, (SELECT ohlcv_daily_summary_stale($2::date, $3::date)) AS stale ${WINDOW}`
const READ_AS_STORED = `SELECT ${COLUMNS} ${WINDOW}`
const STALE_ONLY = 'SELECT ohlcv_daily_summary_stale($1::date, $2::date)'

// What a TimescaleDB whose catalog differs makes the staleness function fail with (undefined_table,
// undefined_column, undefined_function): the window is then refreshed and read as stored, as the
// function itself did before migration 0004 (an EXCEPTION clause, a subtransaction on every call).
const CATALOG_DIFFERS = new Set(['42P01', '42703', '42883'])

/**
 * Reads `region`'s days `from`..`to` and whether the aggregate is stale there, in one prepared
 * statement; when it is (and `refresh` allows), refreshes and reads again. `refresh: true` refreshes
 * first whatever the logs say; `false` reads as stored. With TimescaleDB inside a transaction, where no
 * refresh can run, the default reads as stored without asking.
 * @internal
 */
export async function readDailySummary(
  ctx: RepoContext, region: string, from: string, to: string, refresh: boolean | undefined,
): Promise<DailySummary[]> {
  if (refresh === true) await refreshDailySummaryWindow(ctx, { from, to })
  const params = [region, from, to]
  if (refresh !== undefined || (ctx.capabilities.timescale && ctx.runner.inTransaction)) {
    return (await ctx.runner.queryArrays(READ_AS_STORED, params, { prepare: true })).map(decode)
  }
  let rows: unknown[][]
  let stale: boolean
  try {
    rows = await ctx.runner.queryArrays(READ, params, { prepare: true })
    stale = rows.length > 0 ? rows[0]![STALE] === true
      : (await ctx.runner.queryArrays(STALE_ONLY, [from, to], { prepare: true }))[0]?.[0] === true
  } catch (error) {
    // In a transaction the failed statement aborted it: nothing more can run there.
    if (ctx.runner.inTransaction || !CATALOG_DIFFERS.has((error as { code?: unknown }).code as string)) throw error
    rows = []
    stale = true
  }
  if (stale && await refreshDailySummaryWindow(ctx, { from, to })) rows = await ctx.runner.queryArrays(READ_AS_STORED, params, { prepare: true })
  return rows.map(decode)
}

/**
 * Brings `ohlcv_daily_summary` up to date over `from`..`to` (validated 'YYYY-MM-DD' or undefined for
 * the whole history); `false` where it cannot (TimescaleDB inside a transaction).
 *
 * Plain mode: the whole view is rebuilt and its recorded writes deleted (see `refreshPlainView`).
 * @internal
 */
export async function refreshDailySummaryWindow(
  ctx: RepoContext, window: { from?: string | undefined; to?: string | undefined },
): Promise<boolean> {
  if (!ctx.capabilities.timescale) {
    await refreshPlainView(ctx, 'ohlcv_daily_summary')
    return true
  }
  if (ctx.runner.inTransaction) return false
  // Validated 'YYYY-MM-DD' literals (CALL takes no bound parameters here); the window end is exclusive.
  const start = window.from !== undefined ? `DATE '${window.from}'` : 'NULL'
  const end = window.to !== undefined ? `DATE '${window.to}' + 1` : 'NULL'
  await refreshWaitingForScheduler(ctx, `CALL refresh_continuous_aggregate('ohlcv_daily_summary', ${start}, ${end})`)
  return true
}
