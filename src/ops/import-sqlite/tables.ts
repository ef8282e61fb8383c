import type { QueryRunner } from '../../drivers/types.js'
import type { ValidationIssue } from '../../errors.js'
import type { Repos } from '../../repos/create.js'
import type { BacktestInput } from '../../validation/backtests.js'
import { backtestInputSchema } from '../../validation/backtests.js'
import { checkFactorScores, type FactorScoreInput } from '../../validation/factors.js'
import type { OhlcvBarInput } from '../../validation/ohlcv.js'
import { checkBars } from '../../validation/ohlcv-check.js'
import { tickerInputSchema, type TickerInput } from '../../validation/ticker.js'
import { checkRows } from '../../validation/validate.js'
import type { ColumnKind } from './convert.js'
import type { PgTable } from 'drizzle-orm/pg-core'
import { tableColumns } from '../../internal/table-columns.js'
import { backtestResults, factorScores, ohlcvData, tickers } from '../../schema/index.js'

/** A legacy row converted to a repository input, with the rowid it came from. */
export interface Candidate {
  rowid: number
  input: Record<string, unknown>
}

export interface RejectedCandidate {
  rowid: number
  reasons: string[]
}

export interface BatchOutcome {
  /** Rows that reached the table (inserted, updated, or already there with the same values). */
  accepted: number
  rejected: RejectedCandidate[]
}

/** What a table's writer knows besides its rows: the regions, and the tickers known so far (for foreign keys). */
export interface ImportEnv {
  regions: ReadonlySet<string>
  /** `ticker\u0000region` of every ticker in the database or accepted from the legacy file. */
  knownTickers: Set<string>
}

/**
 * How one legacy table is imported: its columns by SQL name (the input field is the camelCase name),
 * the ones the legacy table must have, the ones the database sets itself (left out), and the writer
 * that sends a batch through the repository (`repos` and `runner` are null in a dry run: validation only).
 * @internal
 */
export interface TableSpec {
  table: string
  columns: Readonly<Record<string, ColumnKind>>
  required: readonly string[]
  /** Set by the database: a legacy value is left out (reported once). */
  managed: readonly string[]
  /** The column whose range the report shows. */
  dateColumn: string
  run(repos: Repos | null, rows: Candidate[], env: ImportEnv, runner: QueryRunner | null): Promise<BatchOutcome>
}

export const camel = (column: string): string => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
const keyOf = (ticker: unknown, region: unknown): string => `${String(ticker)}\u0000${String(region)}`
const reasonsOf = (issues: readonly ValidationIssue[]): string[] => issues.map((i) => `${i.field}: ${i.message}`)

/** Maps rejected rows (by index into `rows`) back to legacy rowids. */
export function rejectedByIndex(rows: Candidate[], rejected: readonly { row: number; issues: ValidationIssue[] }[]): RejectedCandidate[] {
  return rejected.map((r) => ({ rowid: rows[r.row]!.rowid, reasons: reasonsOf(r.issues) }))
}

/** Splits off rows whose ticker is in neither `tickers` nor the legacy file's valid tickers (they would break the foreign key). */
export function withoutOrphans(rows: Candidate[], env: ImportEnv): { kept: Candidate[]; orphans: RejectedCandidate[] } {
  const kept: Candidate[] = []
  const orphans: RejectedCandidate[] = []
  for (const row of rows) {
    if (env.knownTickers.has(keyOf(row.input['ticker'], row.input['region']))) kept.push(row)
    else orphans.push({ rowid: row.rowid, reasons: ['ticker: (ticker, region) is not in tickers'] })
  }
  return { kept, orphans }
}

/**
 * A spec's `columns` and `managed`: the columns a legacy table fills, by SQL name, with the kind its
 * values convert to, are every column of the drizzle table (in table order) but the `managed` ones.
 */
export function fromTable(table: PgTable, managed: readonly string[]): Pick<TableSpec, 'columns' | 'managed'> {
  const columns = tableColumns(table).all.filter((c) => !managed.includes(c.name))
  return { columns: Object.fromEntries(columns.map((c) => [c.name, c.kind])), managed }
}

const tickersSpec: TableSpec = {
  table: 'tickers',
  ...fromTable(tickers, ['last_updated']),
  required: ['ticker', 'region'],
  dateColumn: 'listed_date',
  async run(repos, rows, env) {
    const { valid, rejected } = checkRows('tickers', rows.map((r) => r.input), tickerInputSchema(env.regions), 'skip')
    const out = rejectedByIndex(rows, rejected)
    // The same key twice in one legacy table: the first row wins, the others are reported (never merged silently).
    const first = new Map<string, number>()
    const good: TickerInput[] = []
    for (const { row, value } of valid) {
      const key = keyOf(value.ticker, value.region)
      const seen = first.get(key)
      if (seen !== undefined) out.push({ rowid: rows[row]!.rowid, reasons: [`ticker: duplicates legacy rowid ${seen} (same ticker and region)`] })
      else { first.set(key, rows[row]!.rowid); good.push(value) }
    }
    if (repos && good.length > 0) await repos.tickers.upsert(good)
    for (const t of good) env.knownTickers.add(keyOf(t.ticker, t.region))
    return { accepted: good.length, rejected: out }
  },
}

const ohlcvSpec: TableSpec = {
  table: 'ohlcv_data',
  ...fromTable(ohlcvData, ['last_updated']),
  required: ['ticker', 'region', 'date', 'open', 'high', 'low', 'close', 'volume'],
  dateColumn: 'date',
  async run(repos, rows, env) {
    const bars = rows.map((r) => r.input as unknown as OhlcvBarInput)
    if (!repos) {
      const { valid, rejected } = checkBars(bars, env.regions, 'skip')
      return { accepted: valid.length, rejected: rejectedByIndex(rows, rejected) }
    }
    const result = await repos.ohlcv.upsert(bars, { onInvalid: 'skip' })
    return { accepted: result.inserted + result.updated + result.unchanged, rejected: rejectedByIndex(rows, result.rejectedRows) }
  },
}

const factorSpec: TableSpec = {
  table: 'factor_scores',
  ...fromTable(factorScores, ['last_updated']),
  required: ['ticker', 'region', 'calculation_date'],
  dateColumn: 'calculation_date',
  async run(repos, rows, env) {
    const { kept, orphans } = withoutOrphans(rows, env)
    const inputs = kept.map((r) => r.input as unknown as FactorScoreInput)
    if (!repos) {
      const { valid, rejected } = checkFactorScores(inputs, env.regions, 'skip')
      return { accepted: valid.length, rejected: [...orphans, ...rejectedByIndex(kept, rejected)] }
    }
    const result = await repos.factors.upsert(inputs, { onInvalid: 'skip' })
    return { accepted: result.inserted + result.updated, rejected: [...orphans, ...rejectedByIndex(kept, result.rejectedRows)] }
  },
}

const backtestSpec: TableSpec = {
  table: 'backtest_results',
  // A new backtest_id is given by the database; the resume checkpoint (not the id) prevents duplicates.
  ...fromTable(backtestResults, ['backtest_id', 'last_updated']),
  required: ['strategy_name', 'region', 'start_date', 'end_date', 'initial_capital'],
  dateColumn: 'simulation_date',
  async run(repos, rows, env) {
    const schema = backtestInputSchema(env.regions)
    const { valid, rejected } = checkRows('backtest_results', rows.map((r) => r.input), schema, 'skip')
    if (repos) for (const { value } of valid) await repos.backtests.save(value as BacktestInput)
    return { accepted: valid.length, rejected: rejectedByIndex(rows, rejected) }
  },
}

/** The tables imported, in foreign-key order (tickers before the tables that reference them). @internal */
export const IMPORTED_TABLES: readonly TableSpec[] = [tickersSpec, ohlcvSpec, factorSpec, backtestSpec]

/** Tables of the schema that are counted and reported, not imported. */
export const NOT_IMPORTED: Readonly<Record<string, string>> = {
  api_logs: 'operational logs are not migrated (the log repository stamps new entries; the legacy rows stay in the file)',
  system_logs: 'operational logs are not migrated (the log repository stamps new entries; the legacy rows stay in the file)',
}
