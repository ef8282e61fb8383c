import type { RepoContext } from '../repos/context.js'
import { AGGREGATES } from '../migrate.js'
import { runJobs } from './jobs.js'
import { RETENTION } from './retention.js'

export interface MaintenanceReport {
  mode: 'timescale' | 'plain'
  /** Policies run (TimescaleDB). */
  jobsRun: number
  /** Rows deleted by retention, per table (plain mode). */
  deleted: Record<string, number>
  /** Aggregates refreshed. */
  refreshed: string[]
}

/**
 * What the scheduler would do, now: with TimescaleDB, run every policy (compression, retention, refresh);
 * in plain mode apply the retention of spec 3.2 by DELETE and refresh the materialized views.
 * Safe to call from a daily cron.
 */
export async function maintenance(ctx: RepoContext): Promise<MaintenanceReport> {
  if (ctx.capabilities.timescale) {
    const jobs = await runJobs(ctx)
    return {
      mode: 'timescale',
      jobsRun: jobs.length,
      deleted: {},
      refreshed: jobs.filter((j) => j.procName === 'policy_refresh_continuous_aggregate').map((j) => j.target ?? ''),
    }
  }
  const deleted: Record<string, number> = {}
  for (const { table, column, interval } of RETENTION) {
    const rows = await ctx.runner.query(
      `DELETE FROM ${table} WHERE "${column}" < now() - $1::interval RETURNING 1`, [interval],
    )
    deleted[table] = rows.length
  }
  for (const name of AGGREGATES) await ctx.runner.exec(`REFRESH MATERIALIZED VIEW ${name}`)
  return { mode: 'plain', jobsRun: 0, deleted, refreshed: [...AGGREGATES] }
}
