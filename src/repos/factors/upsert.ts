import { QuantDbError } from '../../errors.js'
import { getTableColumns, type Column } from 'drizzle-orm'
import type { QueryRunner } from '../../drivers/types.js'
import { chunks } from '../../internal/batch.js'
import { arrayLiteral } from '../../internal/sql-arrays.js'
import { factorScores, type NewFactorScoreRow } from '../../schema/index.js'

// The bulk write path of `qdb.factors.upsert`: one INSERT ... SELECT ... FROM unnest(...) ... ON
// CONFLICT DO UPDATE per batch, fed by one array parameter per column (26 bound parameters, whatever
// the batch size). It replaced drizzle's multi-row VALUES builder, which cost ~0.2 ms a row
// (bench/README.md, findings). Measured against COPY into a staging table + the same merge
// (runner.copyCsv, as ohlcv.upsert does): as fast on a server and ~7% slower embedded for 50,000 new
// rows, but without the temporary table, and without the ~90 ms a COPY costs on a server for a small
// call; the foreign key to `tickers`, checked row by row, is most of the time either way.

interface ArrayColumn {
  field: keyof NewFactorScoreRow
  name: string
  /** The array type of its parameter; the INSERT then assigns each element to the column's type. */
  array: string
  /** The element as array-literal input: the same text drizzle binds for the value. */
  element: (value: unknown) => unknown
}

const same = (value: unknown): unknown => value
// drizzle binds JSON.stringify(value) for a jsonb column; validated documents are plain JSON.
const json = (value: unknown): unknown => (value === null || value === undefined ? value : JSON.stringify(value))

function arrayColumn(field: string, column: Column): ArrayColumn {
  const base = { field: field as keyof NewFactorScoreRow, name: column.name }
  switch (column.columnType) {
    // Numbers go as String(value), what drizzle binds; numeric(p, s) rounds them on assignment, as it
    // rounded the bound text (half away from zero). Validated numbers are finite and fit.
    case 'PgNumericNumber': return { ...base, array: 'numeric[]', element: same }
    case 'PgJsonb': return { ...base, array: 'jsonb[]', element: json }
    case 'PgDateString': return { ...base, array: 'date[]', element: same } // 'YYYY-MM-DD', validated
    // text[], not varchar(n)[]: the assignment to varchar(n) refuses a longer value, where a cast would cut it.
    case 'PgVarchar': return { ...base, array: 'text[]', element: same }
    default:
      throw new QuantDbError('configuration', `factor_scores.${column.name}: no array parameter for a ${column.columnType} column (src/repos/factors/upsert.ts)`)
  }
}

// Every column but last_updated, which keeps its DEFAULT (now()) on insert and is set to now() on update.
const COLUMNS: readonly ArrayColumn[] = Object.entries(getTableColumns(factorScores))
  .filter(([, column]) => column.name !== 'last_updated')
  .map(([field, column]) => arrayColumn(field, column))
const COLUMN_LIST = COLUMNS.map((c) => `"${c.name}"`).join(', ')
const KEY = new Set(['ticker', 'region', 'calculation_date'])
// A row is one calculation: every column but the key is replaced, omitted fields included (the
// validated row carries them as NULL), and last_updated is refreshed.
const SET = COLUMNS.filter((c) => !KEY.has(c.name)).map((c) => `"${c.name}" = excluded."${c.name}"`).concat('last_updated = now()').join(', ')
// A row sent again with the same values is left alone (not rewritten, `last_updated` kept): the
// upsert then counts it `unchanged`, as ohlcv.upsert and tickers.upsert do.
const VALUES = COLUMNS.filter((c) => !KEY.has(c.name))
const DIFFERS = `(${VALUES.map((c) => `factor_scores."${c.name}"`).join(', ')}) IS DISTINCT FROM (${VALUES.map((c) => `excluded."${c.name}"`).join(', ')})`

/**
 * Key order: concurrent upserts of overlapping rows lock them in the same order (no deadlock).
 * `xmax = 0` marks a row this statement inserted; an updated row carries the updater's transaction id
 * (checked on TimescaleDB too, compressed chunks included: test/integration/factors).
 */
const MERGE = `WITH merged AS (
    INSERT INTO factor_scores (${COLUMN_LIST})
    SELECT * FROM unnest(${COLUMNS.map((c, i) => `$${i + 1}::${c.array}`).join(', ')}) AS s(${COLUMN_LIST})
    ORDER BY ticker, region, calculation_date
    ON CONFLICT (ticker, region, calculation_date) DO UPDATE SET ${SET} WHERE ${DIFFERS}
    RETURNING (xmax = 0) AS inserted)
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM merged`

/** The bound parameters of one batch: per column, the array literal of its values. */
export function mergeParameters(rows: readonly NewFactorScoreRow[]): string[] {
  return COLUMNS.map((c) => arrayLiteral(rows.map((row) => c.element(row[c.field]))))
}

/**
 * Merges validated, complete rows (no two with the same key) into `factor_scores` through `tx`, in
 * statements of `batchSize` rows; returns the inserted and updated counts. `tx` should be a
 * transaction, so that a refused batch takes the earlier ones with it.
 * @internal
 */
export async function mergeScores(
  tx: QueryRunner,
  rows: readonly NewFactorScoreRow[],
  batchSize: number,
): Promise<{ inserted: number; updated: number }> {
  const counts = { inserted: 0, updated: 0 }
  for (const batch of chunks(rows, batchSize)) {
    const [merged] = await tx.query<{ inserted: number | string; updated: number | string }>(MERGE, mergeParameters(batch))
    counts.inserted += Number(merged?.inserted ?? 0)
    counts.updated += Number(merged?.updated ?? 0)
  }
  return counts
}
