import type { QueryRunner } from '../../drivers/types.js'
import { positionRowSchema, snapshotRowSchema, tradeRowSchema } from '../../validation/portfolio-rows.js'
import { checkRows } from '../../validation/validate.js'
import type { z } from 'zod'
import type { ColumnKind } from './convert.js'
import type { PgTable } from 'drizzle-orm/pg-core'
import { tableColumns } from '../../internal/table-columns.js'
import { portfolio, portfolioSnapshots, trades } from '../../schema/index.js'
import type { Candidate, ImportEnv, RejectedCandidate, TableSpec } from './tables.js'
import { camel, rejectedByIndex, withoutOrphans } from './tables.js'

// The legacy portfolio tables are the record: their rows are written as they are (validated with the
// column rules of src/validation/portfolio-rows.ts), never replayed through applyTrade, which would
// recompute executed prices, amounts and PnL.

/**
 * A column: its legacy conversion and the type `json_to_recordset` reads it as (the column's type
 * without length or precision: the INSERT's assignment then checks and rounds as a plain INSERT does).
 */
type Column = readonly [ColumnKind, string]
/** Every column of the drizzle table but the ones the database sets (`managed`), in table order. */
const columnsOf = (table: PgTable, managed: readonly string[]): Record<string, Column> => Object.fromEntries(
  tableColumns(table).all.filter((c) => !managed.includes(c.name)).map((c) => [c.name, [c.kind, c.paramType] as const]))

// A new id is given by the database; the resume checkpoint (legacy rowid) prevents duplicates.
const POSITION_MANAGED = ['portfolio_id', 'last_updated']
const TRADE_MANAGED = ['trade_id', 'last_updated']
const SNAPSHOT_MANAGED = ['last_updated']
const POSITION = columnsOf(portfolio, POSITION_MANAGED)
const TRADE = columnsOf(trades, TRADE_MANAGED)
const SNAPSHOT = columnsOf(portfolioSnapshots, SNAPSHOT_MANAGED)

const kinds = (c: Record<string, Column>): Record<string, ColumnKind> => Object.fromEntries(Object.entries(c).map(([n, [k]]) => [n, k]))

/**
 * Writes rows in one statement from a JSON parameter (the same on every driver). A column the row
 * lacks is left to its default (`DEFAULT`-like: `coalesce` with the column default is not needed,
 * since every optional column here defaults to NULL, and `execution_timestamp` to now()).
 */
async function write(runner: QueryRunner, table: string, columns: Record<string, Column>, rows: Record<string, unknown>[], conflict: string): Promise<void> {
  if (rows.length === 0) return
  const names = Object.keys(columns)
  const json = rows.map((r) => Object.fromEntries(names.map((n) => [n, r[camel(n)] ?? null])))
  const select = names.map((n) => (n === 'execution_timestamp' ? `coalesce(x.${n}, now())` : `x.${n}`)).join(', ')
  await runner.query(`INSERT INTO ${table} (${names.join(', ')})
    SELECT ${select} FROM json_to_recordset($1::json) AS x(${names.map((n) => `${n} ${columns[n]![1]}`).join(', ')}) ${conflict}`,
  [JSON.stringify(json)])
}

/** Validates a batch; the same key twice in the legacy table: the first row wins, the others are reported. */
function validate<T>(rows: Candidate[], env: ImportEnv, table: string, schema: z.ZodType<T>, key: ((v: T) => string) | null) {
  const { kept, orphans } = table === 'portfolio_snapshots' ? { kept: rows, orphans: [] as RejectedCandidate[] } : withoutOrphans(rows, env)
  const { valid, rejected } = checkRows(table, kept.map((r) => r.input), schema, 'skip')
  const out = [...orphans, ...rejectedByIndex(kept, rejected)]
  const good: T[] = []
  const first = new Map<string, number>()
  for (const { row, value } of valid) {
    const k = key?.(value)
    const seen = k === undefined ? undefined : first.get(k)
    if (seen !== undefined) out.push({ rowid: kept[row]!.rowid, reasons: [`duplicates legacy rowid ${seen} (same key)`] })
    else { if (k !== undefined) first.set(k, kept[row]!.rowid); good.push(value) }
  }
  return { good, rejected: out }
}

const update = (c: Record<string, Column>, key: string[]) =>
  Object.keys(c).filter((n) => !key.includes(n)).map((n) => `${n} = excluded.${n}`).join(', ') + ', last_updated = now()'

const positionSpec: TableSpec = {
  table: 'portfolio',
  columns: kinds(POSITION),
  required: ['ticker', 'region', 'quantity', 'avg_buy_price', 'entry_date'],
  managed: POSITION_MANAGED,
  dateColumn: 'entry_date',
  async run(_repos, rows, env, runner) {
    const { good, rejected } = validate(rows, env, 'portfolio', positionRowSchema(env.regions), (v) => `${v.ticker}\u0000${v.region}`)
    // Keyed by (ticker, region): a rerun or a resumed import updates the position in place.
    if (runner) await write(runner, 'portfolio', POSITION, good, `ON CONFLICT (ticker, region) DO UPDATE SET ${update(POSITION, ['ticker', 'region'])}`)
    return { accepted: good.length, rejected }
  },
}

const tradeSpec: TableSpec = {
  table: 'trades',
  columns: kinds(TRADE),
  required: ['ticker', 'region', 'trade_date', 'trade_type', 'quantity', 'price', 'total_amount'],
  managed: TRADE_MANAGED,
  dateColumn: 'trade_date',
  async run(_repos, rows, env, runner) {
    const { good, rejected } = validate(rows, env, 'trades', tradeRowSchema(env.regions), null)
    if (runner) await write(runner, 'trades', TRADE, good, '')
    return { accepted: good.length, rejected }
  },
}

const snapshotSpec: TableSpec = {
  table: 'portfolio_snapshots',
  columns: kinds(SNAPSHOT),
  required: ['snapshot_date', 'total_value', 'cash', 'invested_value'],
  managed: SNAPSHOT_MANAGED,
  dateColumn: 'snapshot_date',
  async run(_repos, rows, env, runner) {
    const { good, rejected } = validate(rows, env, 'portfolio_snapshots', snapshotRowSchema, (v) => v.snapshotDate)
    if (runner) await write(runner, 'portfolio_snapshots', SNAPSHOT, good, `ON CONFLICT (snapshot_date) DO UPDATE SET ${update(SNAPSHOT, ['snapshot_date'])}`)
    return { accepted: good.length, rejected }
  },
}

/** The portfolio tables, in foreign-key order (after tickers). @internal */
export const PORTFOLIO_TABLES: readonly TableSpec[] = [positionSpec, tradeSpec, snapshotSpec]

/** One line of the reconciliation: a position's quantity vs the net quantity (BUY - SELL) of the trades. */
export interface PositionReconciliation {
  ticker: string
  region: string
  /** 0 when there is no position. */
  positionQuantity: number
  tradesNetQuantity: number
  matches: boolean
}

/** Every (ticker, region) with a position or a trade, after the import: reported, never refused. @internal */
export async function reconcilePositions(runner: QueryRunner): Promise<PositionReconciliation[]> {
  const rows = await runner.query<{ ticker: string; region: string; position: string | number; net: string | number }>(`
    SELECT ticker, region, coalesce(p.quantity, 0) AS position, coalesce(t.net, 0) AS net
    FROM portfolio p FULL JOIN (
      SELECT ticker, region, sum(CASE WHEN trade_type = 'BUY' THEN quantity ELSE -quantity END) AS net
      FROM trades GROUP BY ticker, region) t USING (ticker, region)
    ORDER BY region, ticker`)
  return rows.map((r) => ({
    ticker: r.ticker, region: r.region, positionQuantity: Number(r.position), tradesNetQuantity: Number(r.net),
    matches: Number(r.position) === Number(r.net),
  }))
}
