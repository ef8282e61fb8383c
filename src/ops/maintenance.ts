import type { RepoContext } from '../repos/context.js'
import { AGGREGATES } from '../migrate.js'
import { runJobs } from './jobs.js'
import { refreshPlainView } from '../internal/refresh.js'
import { RETENTION } from './retention.js'

/** What `qdb.ops.maintenance()` did. */
export interface MaintenanceReport {
  /** `timescale`: the policies were run; `plain`: retention by DELETE and the views refreshed. */
  mode: 'timescale' | 'plain'
  /** Policies run (TimescaleDB). */
  jobsRun: number
  /** Rows deleted by retention, per table (plain mode). */
  deleted: Record<string, number>
  /** Aggregates refreshed. */
  refreshed: string[]
  /**
   * Whether the planner statistics were refreshed and the write-ahead log trimmed (`ANALYZE` and
   * `CHECKPOINT`; embedded only, where no autovacuum and no checkpointer run).
   */
  analyzed: boolean
}

/**
 * What the scheduler would do, now: with TimescaleDB, run every policy (compression, retention, refresh);
 * in plain mode apply the retention of spec 3.2 by DELETE and refresh the materialized views.
 * Embedded, it also runs `ANALYZE`: PGlite has no autovacuum, and without statistics the planner
 * picks poor plans on large tables; then `CHECKPOINT`: PGlite has no checkpointer either, and its log
 * grows until one runs (up to 1 GB, in memory without a `dataDir`). Safe to call from a daily cron.
 * @internal
 */
export async function maintenance(ctx: RepoContext): Promise<MaintenanceReport> {
  if (ctx.capabilities.timescale) {
    const jobs = await runJobs(ctx)
    const analyzed = await analyzeEmbedded(ctx)
    return {
      mode: 'timescale',
      jobsRun: jobs.length,
      deleted: {},
      refreshed: jobs.filter((j) => j.procName === 'policy_refresh_continuous_aggregate').map((j) => j.target ?? ''),
      analyzed,
    }
  }
  const deleted: Record<string, number> = {}
  for (const { table, column, interval } of RETENTION) {
    // Counted on the server: a year of logs can be millions of rows.
    const [row] = await ctx.runner.query<{ n: number | string }>(
      `WITH gone AS (DELETE FROM ${table} WHERE "${column}" < now() - $1::interval RETURNING 1) SELECT count(*) AS n FROM gone`,
      [interval],
    )
    deleted[table] = Number(row?.n ?? 0)
  }
  for (const name of AGGREGATES) await refreshPlainView(ctx, name)
  return { mode: 'plain', jobsRun: 0, deleted, refreshed: [...AGGREGATES], analyzed: await analyzeEmbedded(ctx) }
}

async function analyzeEmbedded(ctx: RepoContext): Promise<boolean> {
  if (ctx.runner.kind !== 'embedded') return false
  await ctx.runner.exec('ANALYZE')
  // After the policies' and ANALYZE's writes: the log segments before this point are deleted (see wal_recycle in the embedded driver).
  await ctx.runner.exec('CHECKPOINT')
  return true
}
