import { rowDecoder, selectList } from '../../internal/fast-select.js'
import { refreshPlainView, refreshWaitingForScheduler } from '../../internal/refresh.js'
import { ohlcvDailySummary } from '../../schema/index.js'
import type { RepoContext } from '../context.js'

/** One row of `ohlcv_daily_summary` (spec 4.1): per day and region, over daily bars. */
export type DailySummary = typeof ohlcvDailySummary.$inferSelect

// The view's columns in drizzle's order (rowDecoder decodes by position), as the view's row type has them.
const decode = rowDecoder<DailySummary>(ohlcvDailySummary)
const COLUMNS = selectList(ohlcvDailySummary, 'v')

/**
 * The default read: `ohlcv_daily_summary_read` (migration 0005) asks `ohlcv_daily_summary_stale`
 * (0003/0004: TimescaleDB's invalidation logs and threshold; plain mode: the writes its trigger
 * recorded) and reads the window, in one function whose plans are generic and kept by the session. The
 * same SELECT sent as a statement is planned on every call (on a hypertable Postgres keeps choosing
 * custom plans): that planning was half of a ~0.3 ms read. A stale window comes back as one row of NULLs.
 */
const READ = `SELECT ${COLUMNS} FROM ohlcv_daily_summary_read($1, $2::date, $3::date, true) v`
/** The same read without the check (`refresh: false`, and after a refresh). */
const READ_AS_STORED = `SELECT ${COLUMNS} FROM ohlcv_daily_summary_read($1, $2::date, $3::date, false) v`

// What a TimescaleDB whose catalog differs makes the staleness check fail with (undefined_table,
// undefined_column, undefined_function): the window is then refreshed and read as stored, as the
// function itself did before migration 0004 (an EXCEPTION clause, a subtransaction on every call).
const CATALOG_DIFFERS = new Set(['42P01', '42703', '42883'])

/**
 * Reads `region`'s days `from`..`to` and whether the aggregate is stale there, in one call of
 * `ohlcv_daily_summary_read`; when it is (and `refresh` allows), refreshes and reads again. `refresh: true` refreshes
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
    stale = rows.length === 1 && rows[0]![0] === null
  } catch (error) {
    // In a transaction the failed statement aborted it: nothing more can run there.
    if (ctx.runner.inTransaction || !CATALOG_DIFFERS.has((error as { code?: unknown }).code as string)) throw error
    rows = []
    stale = true
  }
  if (stale) {
    await refreshDailySummaryWindow(ctx, { from, to })
    rows = await ctx.runner.queryArrays(READ_AS_STORED, params, { prepare: true })
  }
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
