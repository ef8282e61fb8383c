import type { QueryRunner } from '../../drivers/types.js'
import { refreshWaitingForScheduler } from '../../internal/refresh.js'
import type { RepoContext } from '../context.js'

/**
 * What every bulk write of `ohlcv_data` does first in its transaction, in one round trip:
 *
 * - With TimescaleDB, lifts `timescaledb.max_tuples_decompressed_per_dml_transaction` for this
 *   transaction only (`SET LOCAL`): its default (100,000) made an upsert whose bars fall in three or
 *   more compressed chunks fail with 53400, although decompressing them is what the caller asked for.
 * - Makes sure the session's staging table `name` exists (see {@link acquireStage}).
 * @internal
 */
export async function prepareWrite(tx: QueryRunner, ctx: RepoContext, stage?: { name: string; columns: string }): Promise<void> {
  const statements: string[] = []
  if (ctx.capabilities.timescale) statements.push('SET LOCAL timescaledb.max_tuples_decompressed_per_dml_transaction = 0')
  if (stage) {
    // A temp table kept for the session (rows dropped at commit), not one per call: the same name and
    // OID every time, so pg_stat_statements keeps one entry for the merge instead of one per call,
    // and the catalog is not churned. DO: no "already exists" notice on every call.
    statements.push(`DO $$ BEGIN IF to_regclass('pg_temp.${stage.name}') IS NULL THEN
      CREATE TEMP TABLE ${stage.name} (${stage.columns}) ON COMMIT DELETE ROWS; END IF; END $$`)
  }
  if (statements.length > 0) await tx.exec(statements.join(';\n'))
}

const inUse = new Map<string, Set<number>>()

/**
 * A staging table name `${prefix}_${n}`, the lowest `n` not used by a call in flight in this process
 * (0 nearly always): names are stable across calls, yet two calls interleaved on one transaction
 * never share a table. Release it with the returned function.
 */
export function acquireStage(prefix: string): { name: string; release: () => void } {
  const used = inUse.get(prefix) ?? inUse.set(prefix, new Set()).get(prefix)!
  let n = 0
  while (used.has(n)) n++
  used.add(n)
  return { name: `${prefix}_${n}`, release: () => used.delete(n) }
}

/** Days the refresh policy of `ohlcv_daily_summary` covers (its start_offset, drizzle/0001_timescale.sql). */
const POLICY_DAYS = 3

/**
 * After a committed write of daily bars from `from` to `to` ('YYYY-MM-DD'): with TimescaleDB, when
 * the write reaches further back than the aggregate's refresh policy looks, refreshes
 * `ohlcv_daily_summary` over those days, so that the summary covers a backfill without a full
 * refresh. Inside a caller's transaction it cannot (TimescaleDB refuses) and returns false: the
 * caller then refreshes with `refreshDailySummary` after commit.
 * @internal
 */
export async function refreshSummaryAfterWrite(ctx: RepoContext, from: string, to: string): Promise<boolean> {
  if (!ctx.capabilities.timescale || ctx.runner.inTransaction) return false
  const horizon = new Date(Date.now() - POLICY_DAYS * 86_400_000).toISOString().slice(0, 10)
  if (from >= horizon) return false
  await refreshWaitingForScheduler(ctx, `CALL refresh_continuous_aggregate('ohlcv_daily_summary', DATE '${from}', DATE '${to}' + 1)`)
  return true
}
