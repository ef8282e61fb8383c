import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { invalidArgument, QuantDbError } from '../../errors.js'
import type { RepoContext } from '../../repos/context.js'
import { createRepos } from '../../repos/create.js'
import { validateDatabase, type ValidationReport } from '../validate.js'
import { clearCheckpoints, ensureCheckpointTable, readCheckpoints, saveCheckpoint, trimRejects, type Checkpoint, type RejectLine } from './checkpoint.js'
import { convert, Unconvertible } from './convert.js'
import { PORTFOLIO_TABLES, reconcilePositions, type PositionReconciliation } from './portfolio-tables.js'
import { LegacyReader } from './reader.js'
import { camel, IMPORTED_TABLES, NOT_IMPORTED, type Candidate, type ImportEnv, type RejectedCandidate, type TableSpec } from './tables.js'

/** Options of `qdb.ops.importSqlite`. */
export interface ImportSqliteOptions {
  /** Validate and count, write nothing (no checkpoint, no rows). Rejects still go to `rejectsFile`. */
  dryRun?: boolean | undefined
  /** JSON lines of the rejected rows: `{ table, rowid, reasons }`. Default `<file>.rejects.jsonl` (`<file>.dry-run.rejects.jsonl` in a dry run). */
  rejectsFile?: string | undefined
  /** Legacy rows per batch (one transaction each). Default 5,000. */
  batchSize?: number | undefined
  /** Forget an earlier, interrupted import of this file and start over (rows already written are upserted again). */
  restart?: boolean | undefined
  /** Called after each batch. */
  onProgress?: ((progress: ImportProgress) => void) | undefined
}

/** Progress of `qdb.ops.importSqlite`, given to `onProgress` after each batch. */
export interface ImportProgress {
  /** The table being imported, e.g. `ohlcv_data`. */
  table: string
  /** Legacy rows of the table handled so far (this run and earlier ones). */
  done: number
  /** Legacy rows of the table in the file. */
  total: number
  /** Rows that passed validation so far (written, unless a dry run). */
  accepted: number
  /** Rows refused so far (written to `rejectsFile`). */
  rejected: number
  /** Rows per second in this run. */
  rowsPerSecond: number
  /** Seconds left at that rate (null before the first batch). */
  etaSeconds: number | null
}

/** What `qdb.ops.importSqlite` did with one legacy table. */
export interface ImportedTable {
  /** The table, by its SQL name. */
  table: string
  /**
   * `imported`; `skipped`: the legacy table lacks a required column (see `reason`); `not imported`:
   * a table the import does not write, counted only.
   */
  status: 'imported' | 'skipped' | 'not imported'
  /** Why a table was skipped or not imported. */
  reason?: string
  /** Rows of the table in the legacy file. */
  legacyRows: number
  /** Rows that reached the database (in a dry run: would have). */
  imported: number
  /** Rows refused by validation (in `rejectsFile`). */
  rejected: number
  /** Legacy columns left out: unknown to the schema, or set by the database itself. */
  ignoredColumns: string[]
  /** Optional columns the legacy table lacks: left to their defaults. */
  missingColumns: string[]
  /** Range of the table's date column in the legacy file (as stored there) and in the database after the import. */
  legacyRange: { from: string | null; to: string | null }
  /** Range of the table's date column in the database after the import (null when empty or dateless). */
  importedRange: { from: string | null; to: string | null }
}

/** The spec 9.2 report of an import: counts per table, date ranges, and the integrity checks. */
export interface ImportReport {
  /** The legacy SQLite file read. */
  file: string
  /** True when nothing was written (`dryRun: true`). */
  dryRun: boolean
  /** True when this run continued an interrupted one. */
  resumed: boolean
  /** Where the rejected rows were written, as JSON lines `{ table, rowid, reasons }`. */
  rejectsFile: string
  /** Per table, in the order imported. */
  tables: ImportedTable[]
  /** Tables of the legacy file that are not part of the schema. */
  unknownTables: string[]
  /** `validate()` after the import (null in a dry run). */
  validation: ValidationReport | null
  /**
   * Per (ticker, region) in the database after the import: the position's quantity vs the net quantity
   * (BUY - SELL) of the trades; a mismatch is reported, never refused (null in a dry run).
   */
  reconciliation: PositionReconciliation[] | null
}

/** Every imported table in foreign-key order: tickers first, the tables that reference them after. */
const ALL_TABLES: readonly TableSpec[] = [...IMPORTED_TABLES, ...PORTFOLIO_TABLES]

function convertRow(spec: TableSpec, rowid: number, values: Record<string, unknown>, mapped: readonly [string, string][]): Candidate | RejectedCandidate {
  const input: Record<string, unknown> = {}
  const reasons: string[] = []
  for (const [legacy, column] of mapped) {
    try {
      const value = convert(spec.columns[column]!, values[legacy] as never)
      // NULL in the legacy file means "no value": the column's default, as a missing column would be.
      if (value !== null) input[camel(column)] = value
    } catch (error) {
      if (!(error instanceof Unconvertible)) throw error
      reasons.push(`${camel(column)}: ${error.message}`)
    }
  }
  return reasons.length > 0 ? { rowid, reasons } : { rowid, input }
}

/**
 * Appends rejected rows to the rejects file with synchronous, fsynced writes: the lines of a batch are
 * on disk before its transaction commits, so a process killed after the commit loses none of them
 * (lines of a batch that never committed are trimmed by the next run).
 */
class RejectsWriter {
  private fd: number | undefined
  constructor(readonly file: string, private readonly append: boolean) {}
  write(table: string, rejected: readonly RejectedCandidate[]): void {
    if (rejected.length === 0) return
    this.fd ??= openSync(this.file, this.append ? 'a' : 'w')
    writeSync(this.fd, rejected.map((r) => JSON.stringify({ table, rowid: r.rowid, reasons: r.reasons } satisfies RejectLine)).join('\n') + '\n')
    fsyncSync(this.fd)
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

async function importedRange(ctx: RepoContext, spec: TableSpec): Promise<{ from: string | null; to: string | null }> {
  const [r] = await ctx.runner.query<{ from: string | null; to: string | null }>(
    `SELECT min(${spec.dateColumn})::text AS "from", max(${spec.dateColumn})::text AS "to" FROM ${spec.table}`)
  return { from: r?.from ?? null, to: r?.to ?? null }
}

/**
 * Imports a legacy SQLite file (spec 9, by column name). See `Ops.importSqlite` for the contract.
 * @internal
 */
export async function importSqlite(ctx: RepoContext, file: string, options: ImportSqliteOptions = {}): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 5_000
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArgument('batchSize', `must be a whole number of at least 1, got ${String(batchSize)}`)
  const dryRun = options.dryRun === true
  const source = resolve(file)
  const rejectsFile = options.rejectsFile ?? `${file}${dryRun ? '.dry-run' : ''}.rejects.jsonl`
  const schemaReady = await ctx.runner.query<{ t: string | null }>(`SELECT to_regclass('ohlcv_data')::text AS t`)
  if (!schemaReady[0]?.t) throw new QuantDbError('configuration', 'The database has no schema yet: run migrate first (quant-db migrate)')

  const reader = await LegacyReader.open(file)
  let rejects: RejectsWriter | undefined
  try {
    let checkpoints = new Map<string, Checkpoint>()
    if (!dryRun) {
      await ensureCheckpointTable(ctx.runner)
      if (options.restart) await clearCheckpoints(ctx.runner, source)
      checkpoints = await readCheckpoints(ctx.runner, source)
    }
    const resumed = checkpoints.size > 0
    // A continued import keeps the committed part of its rejects file; a new one starts it afresh.
    if (resumed) await trimRejects(rejectsFile, checkpoints)
    else rmSync(rejectsFile, { force: true })
    rejects = new RejectsWriter(rejectsFile, resumed)

    const legacyTables = reader.tables()
    const byLowerName = new Map(legacyTables.map((t) => [t.toLowerCase(), t]))
    const env: ImportEnv = { regions: ctx.options.regions, knownTickers: new Set() }
    for (const r of await ctx.runner.query<{ ticker: string; region: string }>('SELECT ticker, region FROM tickers')) {
      env.knownTickers.add(`${r.ticker}\u0000${r.region}`)
    }

    const report: ImportReport = { file, dryRun, resumed, rejectsFile, tables: [], unknownTables: [], validation: null, reconciliation: null }
    const known = new Set([...ALL_TABLES.map((s) => s.table), ...Object.keys(NOT_IMPORTED)])
    report.unknownTables = legacyTables.filter((t) => !known.has(t.toLowerCase()))

    for (const spec of ALL_TABLES) {
      const legacy = byLowerName.get(spec.table)
      if (!legacy) continue
      report.tables.push(await importTable(ctx, reader, spec, legacy, { source, dryRun, batchSize, checkpoints, rejects, env, options }))
    }
    for (const [table, reason] of Object.entries(NOT_IMPORTED)) {
      const legacy = byLowerName.get(table)
      if (!legacy) continue
      report.tables.push({
        table, status: 'not imported', reason, legacyRows: reader.count(legacy), imported: 0, rejected: 0,
        ignoredColumns: [], missingColumns: [], legacyRange: { from: null, to: null }, importedRange: { from: null, to: null },
      })
    }
    rejects.close()
    if (!dryRun) report.validation = await validateDatabase(ctx)
    if (!dryRun) report.reconciliation = await reconcilePositions(ctx.runner)
    return report
  } finally {
    rejects?.close()
    reader.close()
  }
}

interface TableRun {
  source: string
  dryRun: boolean
  batchSize: number
  checkpoints: Map<string, Checkpoint>
  rejects: RejectsWriter
  env: ImportEnv
  options: ImportSqliteOptions
}

async function importTable(ctx: RepoContext, reader: LegacyReader, spec: TableSpec, legacy: string, run: TableRun): Promise<ImportedTable> {
  const legacyColumns = reader.columns(legacy)
  // By name, never by position; case-insensitively, as SQLite itself resolves names.
  const mapped: [string, string][] = []
  const ignoredColumns: string[] = []
  for (const name of legacyColumns) {
    const column = name.toLowerCase()
    if (column in spec.columns && !mapped.some(([, c]) => c === column)) mapped.push([name, column])
    else ignoredColumns.push(name)
  }
  const present = new Set(mapped.map(([, c]) => c))
  const missingColumns = Object.keys(spec.columns).filter((c) => !present.has(c))
  const legacyRows = reader.count(legacy)
  const dateColumn = mapped.find(([, c]) => c === spec.dateColumn)?.[0]
  const legacyRange = dateColumn ? reader.range(legacy, dateColumn) : { from: null, to: null }
  const result: ImportedTable = {
    table: spec.table, status: 'imported', legacyRows, imported: 0, rejected: 0, ignoredColumns, missingColumns,
    legacyRange, importedRange: { from: null, to: null },
  }
  const lacking = spec.required.filter((c) => !present.has(c))
  if (lacking.length > 0) {
    return { ...result, status: 'skipped', reason: `the legacy table has no ${lacking.join(', ')} column (required)` }
  }

  const done: Checkpoint = run.checkpoints.get(spec.table) ?? { table: spec.table, lastRowid: 0, read: 0, accepted: 0, rejected: 0, finished: false }
  const started = Date.now()
  let readThisRun = 0
  {
    // Always from the last committed rowid: a finished table picks up rows added to the legacy file since.
    for (const batch of reader.batches(legacy, done.lastRowid, run.batchSize)) {
      const candidates: Candidate[] = []
      const rejected: RejectedCandidate[] = []
      for (const row of batch) {
        const converted = convertRow(spec, row.rowid, row.values, mapped)
        if ('input' in converted) candidates.push(converted)
        else rejected.push(converted)
      }
      const next: Checkpoint = { ...done, lastRowid: batch[batch.length - 1]!.rowid, read: done.read + batch.length, finished: false }
      const write = async (repos: Parameters<TableSpec['run']>[0], runner: Parameters<TableSpec['run']>[3]) => {
        const outcome = await spec.run(repos, candidates, run.env, runner)
        rejected.push(...outcome.rejected)
        rejected.sort((a, b) => a.rowid - b.rowid)
        next.accepted = done.accepted + outcome.accepted
        next.rejected = done.rejected + rejected.length
      }
      if (run.dryRun) {
        await write(null, null)
        run.rejects.write(spec.table, rejected)
      } else {
        // The rejects are written before the commit: a crash in between leaves lines that the next run trims.
        await ctx.runner.transaction(async (tx) => {
          await write(createRepos({ ...ctx, runner: tx }), tx)
          run.rejects.write(spec.table, rejected)
          await saveCheckpoint(tx, run.source, next)
        })
      }
      Object.assign(done, next)
      readThisRun += batch.length
      const seconds = (Date.now() - started) / 1000
      const rate = seconds > 0 ? readThisRun / seconds : 0
      const left = Math.max(0, legacyRows - done.read)
      run.options.onProgress?.({
        table: spec.table, done: done.read, total: legacyRows, accepted: done.accepted, rejected: done.rejected,
        rowsPerSecond: Math.round(rate), etaSeconds: rate > 0 ? Math.round(left / rate) : null,
      })
    }
    done.finished = true
    if (!run.dryRun) await saveCheckpoint(ctx.runner, run.source, done)
  }
  result.imported = done.accepted
  result.rejected = done.rejected
  if (!run.dryRun) result.importedRange = await importedRange(ctx, spec)
  return result
}
