import type { RepoContext } from '../repos/context.js'

/** One TimescaleDB policy job (`qdb.ops.jobs()`). */
export interface JobInfo {
  /** TimescaleDB's job id (`timescaledb_information.jobs.job_id`). */
  jobId: number
  /** The policy: `policy_compression`, `policy_retention` or `policy_refresh_continuous_aggregate`. */
  procName: string
  /** The hypertable or continuous aggregate the job works on. */
  target: string | null
  /** How often the job runs, as PostgreSQL interval text (e.g. `1 day`). */
  scheduleInterval: string
  /** The policy's settings as TimescaleDB stores them (e.g. `{ compress_after: '90 days' }`), or null. */
  config: Record<string, unknown> | null
}

/** The TimescaleDB policies (compression, retention, aggregate refresh), aggregates named by their view. @internal */
export async function listJobs(ctx: RepoContext): Promise<JobInfo[]> {
  if (!ctx.capabilities.timescale) return []
  const rows = await ctx.runner.query<{ job_id: number; proc_name: string; target: string | null; schedule_interval: string; config: Record<string, unknown> | null }>(
    `SELECT j.job_id, j.proc_name, coalesce(ca.view_name, j.hypertable_name)::text AS target,
            j.schedule_interval::text AS schedule_interval, j.config
     FROM timescaledb_information.jobs j
     LEFT JOIN timescaledb_information.continuous_aggregates ca ON ca.materialization_hypertable_name = j.hypertable_name
     -- the library's policies all act on a hypertable; TimescaleDB's own jobs (job history
     -- retention, the telemetry reporter of a server build) do not
     WHERE j.proc_name LIKE 'policy_%' AND j.hypertable_name IS NOT NULL
     ORDER BY j.job_id`,
  )
  return rows.map((r) => ({
    jobId: Number(r.job_id),
    procName: r.proc_name,
    target: r.target,
    scheduleInterval: r.schedule_interval,
    config: r.config,
  }))
}

/**
 * Runs the policies now with `CALL run_job(id)`. The embedded engine has no background worker, so
 * this is how its compression, retention and refresh policies run; a server runs them on schedule anyway.
 * @internal
 */
export async function runJobs(ctx: RepoContext, filter?: (job: JobInfo) => boolean): Promise<JobInfo[]> {
  const jobs = (await listJobs(ctx)).filter(filter ?? (() => true))
  for (const job of jobs) await ctx.runner.exec(`CALL run_job(${Number(job.jobId)})`)
  return jobs
}
