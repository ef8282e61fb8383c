import { invalidArgument } from '../errors.js'
import { importSqlite, type ImportReport, type ImportSqliteOptions } from './import-sqlite/import.js'
import { validateDatabase, type ValidationReport } from './validate.js'
import { AGGREGATES, type AggregateName } from '../migrate.js'
import type { RepoContext } from '../repos/context.js'
import { compressChunks, compressionStats, decompressChunks, type CompressionStats } from './compression.js'
import { listJobs, runJobs, type JobInfo } from './jobs.js'
import { maintenance, type MaintenanceReport } from './maintenance.js'
import { mergeCompressedChunks, type MergeChunksOptions, type MergeChunksReport } from './merge-chunks.js'
import { indexUsage, slowQueries, tableSizes, type IndexUsage, type SlowQuery } from './monitoring.js'
import { COMPRESSION } from './retention.js'
import { checkCompress, checkDecompress, checkMerge, checkRunJobs, checkSlowQueries, type CompressOptions, type RunJobsOptions, type DecompressOptions, type SlowQueriesOptions } from './arguments.js'
import { refreshPlainView, refreshWaitingForScheduler } from '../internal/refresh.js'

/**
 * `qdb.ops`: the operator's side — aggregates, policies and jobs, compression, maintenance, monitoring.
 * Each method works in both modes where it means something; TimescaleDB-only ones throw a
 * QuantDbError with reason `unsupported` in plain mode.
 *
 * @example
 * ```ts
 * await qdb.ops.maintenance()                 // nightly: policies (TimescaleDB) or retention + refresh (plain)
 * console.table(await qdb.ops.compressionStats())
 * ```
 */
export class Ops {
  /** The database or transaction and the settings these operations work with. @internal */
  private readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

  /**
   * Refreshes aggregates now: `refresh_continuous_aggregate` over the whole range with TimescaleDB,
   * `REFRESH MATERIALIZED VIEW` in plain mode. Not inside a transaction (TimescaleDB forbids it).
   * @example `await qdb.ops.refreshAggregates(['ohlcv_daily_summary'])`
   */
  async refreshAggregates(names: readonly AggregateName[] = AGGREGATES): Promise<void> {
    for (const name of names) {
      if (!AGGREGATES.includes(name)) throw invalidArgument('names', `must hold only ${AGGREGATES.join(', ')}; got ${String(name)}`)
      if (this.ctx.capabilities.timescale) {
        await refreshWaitingForScheduler(this.ctx, `CALL refresh_continuous_aggregate('${name}', NULL, NULL)`)
      } else {
        await refreshPlainView(this.ctx, name)
      }
    }
  }

  /**
   * TimescaleDB policies (empty in plain mode).
   * @example `console.table(await qdb.ops.jobs())`
   */
  jobs(): Promise<JobInfo[]> {
    return listJobs(this.ctx)
  }

  /**
   * Runs the TimescaleDB policies now (`CALL run_job`), those matching every option given (default:
   * all); the embedded engine has no background worker. Returns the jobs run.
   * @throws ValidationError for an unknown option or a `filter` that is not a function.
   * @example
   * ```ts
   * await qdb.ops.runJobs({ target: 'ohlcv_data', procName: 'policy_compression' })
   * await qdb.ops.runJobs({ filter: (job) => job.scheduleInterval === '1 day' })
   * ```
   */
  async runJobs(options: RunJobsOptions = {}): Promise<JobInfo[]> {
    const o = checkRunJobs(options)
    const { target, procName, filter } = o
    return runJobs(this.ctx, (job) => (target === undefined || job.target === target)
      && (procName === undefined || job.procName === procName)
      && (filter === undefined || filter(job)))
  }

  /**
   * Compresses the chunks of a hypertable (`ohlcv_data`, `factor_scores`, `backtest_results`,
   * `portfolio_snapshots`) whose data is older than `olderThan` (default: the table's policy interval of
   * spec 3.1); returns how many chunks it went over. TimescaleDB only: `unsupported` in plain mode; a
   * ValidationError for another table or an interval that is not one.
   * @example `await qdb.ops.compress('ohlcv_data', { olderThan: '30 days' })`
   */
  async compress(table: string, options: CompressOptions = {}): Promise<number> {
    const { olderThan } = checkCompress(table, options)
    const policy = COMPRESSION.find((c) => c.table === table)
    return compressChunks(this.ctx, table, olderThan ?? policy?.after ?? '90 days')
  }

  /**
   * Decompresses the chunks of a hypertable with data newer than `newerThan` (default `'7 days'`, spec
   * 6.2), e.g. before bulk corrections; returns how many chunks it went over. TimescaleDB only.
   * @example `await qdb.ops.decompress('ohlcv_data', { newerThan: '30 days' })`
   */
  async decompress(table: string, options: DecompressOptions = {}): Promise<number> {
    const { newerThan = '7 days' } = checkDecompress(table, options)
    return decompressChunks(this.ctx, table, newerThan)
  }

  /**
   * Merges adjacent compressed chunks into one per `interval` (default `'1 year'`) and recompresses
   * them: the best OHLCV ratio with the spec's types and `segmentby` (README, "Known limits"), with
   * per-ticker reads no slower. TimescaleDB only (`unsupported` otherwise); not run by `maintenance()`.
   * @example `await qdb.ops.compress('ohlcv_data'); await qdb.ops.mergeCompressedChunks('ohlcv_data', { interval: '1 year' })`
   */
  async mergeCompressedChunks(table: string, options: MergeChunksOptions = {}): Promise<MergeChunksReport> {
    return mergeCompressedChunks(this.ctx, table, checkMerge(table, options))
  }

  /**
   * Compression ratio per hypertable (corrected spec 6.1).
   * @example `console.table(await qdb.ops.compressionStats())`
   */
  compressionStats(): Promise<CompressionStats[]> {
    return compressionStats(this.ctx)
  }

  /**
   * Policies now (TimescaleDB), or retention by DELETE and view refresh (plain).
   * @example `const report = await qdb.ops.maintenance() // nightly`
   */
  maintenance(): Promise<MaintenanceReport> {
    return maintenance(this.ctx)
  }

  /**
   * Index usage (corrected spec 8.3).
   * @example `const unused = (await qdb.ops.indexUsage()).filter((i) => i.scans === 0)`
   */
  indexUsage(): Promise<IndexUsage[]> {
    return indexUsage(this.ctx)
  }

  /**
   * The statements with the most total execution time (spec 8.2), from pg_stat_statements: `limit`
   * of them (default 20). Throws `unsupported` where the extension is not loaded.
   * @example `console.table(await qdb.ops.slowQueries({ limit: 20 }))`
   */
  async slowQueries(options: SlowQueriesOptions = {}): Promise<SlowQuery[]> {
    const { limit } = checkSlowQueries(options)
    return slowQueries(this.ctx, limit)
  }

  /**
   * Size and row estimate per table.
   * @example `console.table(await qdb.ops.tableSizes())`
   */
  tableSizes(): Promise<{ table: string; bytes: number; rowsEstimate: number }[]> {
    return tableSizes(this.ctx)
  }

  /**
   * Imports a legacy SQLite file (spec 9.1) by column NAME, never by position: `tickers`,
   * `ohlcv_data`, `factor_scores` and `backtest_results` when present, in foreign-key order, every row
   * through the repositories' validation and write paths. Legacy-only columns (an `id`, anything
   * unknown) are reported and left out; missing optional columns keep their defaults; SQLite dates
   * (text, INTEGER Unix seconds, REAL Julian days), 1/0 booleans and JSON text are converted where
   * that is unambiguous, and the row is rejected otherwise. Rejected rows go to `rejectsFile` as JSON
   * lines `{ table, rowid, reasons }`; they never stop the run.
   *
   * Rows are read in rowid batches (bounded memory, whatever the file size), each batch committed in
   * one transaction with a checkpoint: run the same call again after an interruption and it continues
   * after the last committed batch, with no duplicate and no gap. `portfolio`, `trades` and
   * `portfolio_snapshots` are written as they are (the legacy rows are the record, not replayed through
   * `applyTrade`), validated with the column rules of the stored rows; positions are upserted by
   * (ticker, region), snapshots by date, trades appended once (the checkpoint). `report.reconciliation`
   * compares each position's quantity with the net quantity of the trades (reported, not refused).
   * Reading needs the optional package `node-sqlite3-wasm` (WebAssembly: nothing to compile or download).
   *
   * @example
   * ```ts
   * const report = await qdb.ops.importSqlite('data/spock_local.db', {
   *   onProgress: (p) => console.log(`${p.table} ${p.done}/${p.total} ${p.rowsPerSecond} rows/s`),
   * })
   * console.table(report.tables); if (!report.validation?.ok) console.table(report.validation?.checks)
   * ```
   */
  importSqlite(file: string, options?: ImportSqliteOptions): Promise<ImportReport> {
    return importSqlite(this.ctx, file, options)
  }

  /**
   * The post-migration validation of spec 9.2 (row counts, NULL regions, invalid prices, scores out of
   * range, negative quantities, date ranges) plus orphans (ticker not in `tickers`), OHLC rule breaks
   * and gaps in a ticker's trading days (its region's calendar). Read-only; `ok` is false when any
   * check finds rows.
   * @example `const { ok, checks } = await qdb.ops.validate(); if (!ok) console.table(checks.filter((c) => c.rows > 0))`
   */
  validate(): Promise<ValidationReport> {
    return validateDatabase(this.ctx)
  }
}
