// The arguments of qdb.ops, validated like every repository's: a ValidationError naming the field,
// and the parsed value (never the caller's object read again) is what reaches SQL.
import { z } from 'zod'
import { checkOne } from '../validation/validate.js'
import type { JobInfo } from './jobs.js'

const UNIT = '(?:microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|months?|years?)'
const INTERVAL = new RegExp(`^\\d{1,6} ${UNIT}(?: \\d{1,6} ${UNIT})*$`, 'i')

/** A PostgreSQL interval in words: '90 days', '1 year', '1 year 6 months' (whole numbers and unit words). */
export const intervalText = z.string().regex(INTERVAL, { message: "must be an interval such as '90 days' or '1 year 6 months'" })

/** Options of `qdb.ops.compress`. */
export interface CompressOptions {
  /**
   * Compress the chunks whose data is older than this interval, e.g. `'30 days'`. Default: the
   * table's compression policy (spec 3.1): 90 days for `ohlcv_data` and `factor_scores`, 180 days for
   * `backtest_results` and `portfolio_snapshots`.
   */
  olderThan?: string | undefined
}

/** Options of `qdb.ops.decompress`. */
export interface DecompressOptions {
  /** Decompress the chunks with data newer than this interval (default `'7 days'`, spec 6.2). */
  newerThan?: string | undefined
}

/** Options of `qdb.ops.slowQueries`. */
export interface SlowQueriesOptions {
  /** How many statements, slowest total time first: a whole number from 1 to 10,000 (default 20). */
  limit?: number | undefined
}

/** Options of `qdb.ops.runJobs`: which policies to run (all given conditions must hold; default every one). */
export interface RunJobsOptions {
  /** Only the jobs on this hypertable or continuous aggregate, e.g. `'ohlcv_data'` or `'daily_market_summary'`. */
  target?: string | undefined
  /** Only the jobs of this policy: `'policy_compression'`, `'policy_retention'` or `'policy_refresh_continuous_aggregate'`. */
  procName?: string | undefined
  /** Only the jobs for which this returns true (called once per job with its `JobInfo`). */
  filter?: ((job: JobInfo) => boolean) | undefined
}

const compressSchema = z.object({ olderThan: intervalText.optional() }).strict()
const decompressSchema = z.object({ newerThan: intervalText.optional() }).strict()
const slowQueriesSchema = z.object({
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000, 'must be at most 10000').optional(),
}).strict()
const runJobsSchema = z.object({
  target: z.string().min(1).max(200).optional(),
  procName: z.string().min(1).max(200).optional(),
  filter: z.custom<(job: JobInfo) => boolean>((v) => typeof v === 'function', { message: 'must be a function of a job' }).optional(),
}).strict()
const mergeSchema = z.object({ interval: intervalText.optional(), recompress: z.boolean().optional() }).strict()

/** The validated options of `ops.compress`. @internal */
export const checkCompress = (table: string, o: unknown): z.infer<typeof compressSchema> => checkOne(table, o, compressSchema)
/** The validated options of `ops.decompress`. @internal */
export const checkDecompress = (table: string, o: unknown): z.infer<typeof decompressSchema> => checkOne(table, o, decompressSchema)
/** The validated options of `ops.slowQueries`. @internal */
export const checkSlowQueries = (o: unknown): z.infer<typeof slowQueriesSchema> => checkOne('pg_stat_statements', o, slowQueriesSchema)
/** The validated options of `ops.mergeCompressedChunks`. @internal */
export const checkMerge = (table: string, o: unknown): z.infer<typeof mergeSchema> => checkOne(table, o, mergeSchema)
/** The validated options of `ops.runJobs`. @internal */
export const checkRunJobs = (o: unknown): z.infer<typeof runJobsSchema> => checkOne('jobs', o, runJobsSchema)
