import { QuantDbError } from '../errors.js'
import type { RepoContext } from '../repos/context.js'

/** One index and how often it was used (`qdb.ops.indexUsage()`). */
export interface IndexUsage {
  /** The table (a hypertable's chunks summed into it). */
  table: string
  /** The index name. */
  index: string
  /** Index scans since the statistics were last reset (0: never used). */
  scans: number
  /** Index entries returned by scans of the index. */
  tuplesRead: number
  /** Live table rows fetched through the index. */
  tuplesFetched: number
  /** Size of the index on disk, in bytes. */
  sizeBytes: number
  /** Backs a primary key or unique constraint (never "unused"). */
  constraint: boolean
}

/**
 * Index usage (spec 8.3, corrected: pg_stat_user_indexes names its columns relname and indexrelname).
 * On TimescaleDB the chunk indexes are summed into their hypertable's index of the same name.
 * @internal
 */
export async function indexUsage(ctx: RepoContext): Promise<IndexUsage[]> {
  const rows = await ctx.runner.query<Record<string, string | number | boolean>>(
    `SELECT s.relname AS table, s.indexrelname AS index, s.idx_scan AS scans, s.idx_tup_read AS tuples_read,
            s.idx_tup_fetch AS tuples_fetched, pg_relation_size(s.indexrelid) AS size_bytes,
            EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid AND c.contype IN ('p', 'u')) AS constraint
     FROM pg_stat_user_indexes s
     WHERE s.schemaname = 'public'
     ORDER BY s.idx_scan DESC, s.relname, s.indexrelname`,
  )
  return rows.map((r) => ({
    table: String(r['table']),
    index: String(r['index']),
    scans: Number(r['scans']),
    tuplesRead: Number(r['tuples_read']),
    tuplesFetched: Number(r['tuples_fetched']),
    sizeBytes: Number(r['size_bytes']),
    constraint: r['constraint'] === true,
  }))
}

/** One statement of `pg_stat_statements` (`qdb.ops.slowQueries()`). */
export interface SlowQuery {
  /** The normalized statement text (parameters as `$1`). */
  query: string
  /** How many times it ran. */
  calls: number
  /** Total execution time, in milliseconds. */
  totalMs: number
  /** Mean execution time per call, in milliseconds. */
  meanMs: number
  /** Shared-buffer hit rate, 0 to 100 percent; null when the statement read no blocks. */
  cacheHitPct: number | null
}

/** The statements with the most total time (spec 8.2); needs pg_stat_statements loaded on the server. @internal */
export async function slowQueries(ctx: RepoContext, limit = 20): Promise<SlowQuery[]> {
  try {
    const rows = await ctx.runner.query<Record<string, string | number | null>>(
      `SELECT query, calls, total_exec_time, mean_exec_time,
              100.0 * shared_blks_hit / NULLIF(shared_blks_hit + shared_blks_read, 0) AS hit
       FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
       ORDER BY total_exec_time DESC LIMIT $1`, [limit],
    )
    return rows.map((r) => ({
      query: String(r['query']),
      calls: Number(r['calls']),
      totalMs: Number(r['total_exec_time']),
      meanMs: Number(r['mean_exec_time']),
      cacheHitPct: r['hit'] === null ? null : Number(r['hit']),
    }))
  } catch (error) {
    throw new QuantDbError('unsupported', 'pg_stat_statements is not available: add it to shared_preload_libraries and CREATE EXTENSION pg_stat_statements.', { cause: error })
  }
}

/** Row estimates and total size (with chunks, indexes and TOAST) of every spec table. @internal */
export async function tableSizes(ctx: RepoContext): Promise<{ table: string; bytes: number; rowsEstimate: number }[]> {
  const sizeOf = ctx.capabilities.timescale
    ? `CASE WHEN EXISTS (SELECT 1 FROM timescaledb_information.hypertables h WHERE h.hypertable_name = c.relname)
         THEN hypertable_size(c.oid) ELSE pg_total_relation_size(c.oid) END`
    : 'pg_total_relation_size(c.oid)'
  const rowsOf = ctx.capabilities.timescale ? 'approximate_row_count(c.oid)' : 'greatest(c.reltuples, 0)'
  const rows = await ctx.runner.query<Record<string, string | number>>(
    `SELECT c.relname AS table, ${sizeOf} AS bytes, ${rowsOf} AS rows
     FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
  )
  return rows.map((r) => ({ table: String(r['table']), bytes: Number(r['bytes']), rowsEstimate: Number(r['rows']) }))
}
