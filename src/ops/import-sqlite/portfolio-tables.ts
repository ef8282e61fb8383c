import type { QueryRunner } from '../../drivers/types.js'
import { positionRowSchema, snapshotRowSchema, tradeRowSchema } from '../../validation/portfolio-rows.js'
import { checkRows } from '../../validation/validate.js'
import type { z } from 'zod'
import type { ColumnKind } from './convert.js'
import type { Candidate, ImportEnv, RejectedCandidate, TableSpec } from './tables.js'
import { camel, rejectedByIndex, withoutOrphans } from './tables.js'

// The legacy portfolio tables are the record: their rows are written as they are (validated with the
// column rules of src/validation/portfolio-rows.ts), never replayed through applyTrade, which would
// recompute executed prices, amounts and PnL.

/** A column: its legacy conversion and its PostgreSQL type (for json_to_recordset). */
type Column = readonly [ColumnKind, string]
const col = (spec: string): Record<string, Column> => Object.fromEntries(spec.trim().split(/\s+/).map((c) => {
  const [n, kind, pg] = c.split(':') as [string, ColumnKind, string]
  return [n, [kind, pg.replace('_', ' ')]]
}))

const POSITION = col(`ticker:text:text region:text:text quantity:number:integer avg_buy_price:number:numeric
  current_price:number:numeric unrealized_pnl:number:numeric unrealized_pnl_pct:number:numeric position_value:number:numeric
  weight:number:numeric stop_loss_price:number:numeric take_profit_price:number:numeric trailing_stop_distance:number:numeric
  entry_date:date:date entry_signal:text:text last_rebalance_date:date:date notes:text:text`)
const TRADE = col(`ticker:text:text region:text:text trade_date:date:date trade_type:text:text quantity:number:integer
  price:number:numeric total_amount:number:numeric commission:number:numeric slippage_bps:number:numeric
  strategy_name:text:text signal_source:text:text entry_reason:text:text realized_pnl:number:numeric
  realized_pnl_pct:number:numeric hold_days:number:integer order_id:text:text execution_timestamp:timestamp:timestamptz notes:text:text`)
const SNAPSHOT = col(`snapshot_date:date:date total_value:number:numeric cash:number:numeric invested_value:number:numeric
  unrealized_pnl:number:numeric daily_return:number:numeric cumulative_return:number:numeric positions:json:jsonb
  sector_exposures:json:jsonb region_exposures:json:jsonb`)

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
  managed: ['portfolio_id', 'last_updated'],
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
  // A new trade_id is given by the database; the resume checkpoint (legacy rowid) prevents duplicates.
  managed: ['trade_id', 'last_updated'],
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
  managed: ['last_updated'],
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
