import { QuantDbError } from '../../errors.js'
import type { QueryRunner } from '../../drivers/types.js'
import { chunks } from '../../internal/batch.js'
import { arrayLiteral } from '../../internal/sql-arrays.js'
import { mergeSql, unnestSource } from '../../internal/merge-sql.js'
import { tableColumns, type ColumnKind } from '../../internal/table-columns.js'
import { factorScores, type NewFactorScoreRow } from '../../schema/index.js'

// The bulk write path of `qdb.factors.upsert`: one INSERT ... SELECT ... FROM unnest(...) ... ON
// CONFLICT DO UPDATE per batch, fed by one array parameter per column (26 bound parameters, whatever
// the batch size). It replaced drizzle's multi-row VALUES builder, which cost ~0.2 ms a row
// (bench/README.md, findings). Measured against COPY into a staging table + the same merge
// (runner.copyCsv, as ohlcv.upsert does): as fast on a server and ~7% slower embedded for 50,000 new
// rows, but without the temporary table, and without the ~90 ms a COPY costs on a server for a small
// call; the foreign key to `tickers`, checked row by row, is most of the time either way.

const SCORE = tableColumns(factorScores)
const TOUCHED = SCORE.ofField('lastUpdated').name

const same = (value: unknown): unknown => value
// drizzle binds JSON.stringify(value) for a jsonb column; validated documents are plain JSON.
const json = (value: unknown): unknown => (value === null || value === undefined ? value : JSON.stringify(value))

/** The element as array-literal input: the same text drizzle binds for the value. */
function elementOf(kind: ColumnKind, name: string): (value: unknown) => unknown {
  switch (kind) {
    // Numbers go as String(value), what drizzle binds; numeric(p, s) rounds them on assignment, as it
    // rounded the bound text (half away from zero). Validated numbers are finite and fit.
    case 'number': case 'text': case 'date': return same // dates 'YYYY-MM-DD', validated
    case 'json': return json
    default:
      throw new QuantDbError('configuration', `factor_scores.${name}: no array parameter for a ${kind} column (src/repos/factors/upsert.ts)`)
  }
}

// Every column but last_updated, which keeps its DEFAULT (now()) on insert and is set to now() on update.
// Each goes as an array of its parameter type (text[], not varchar(n)[]: the assignment to varchar(n)
// refuses a longer value, where a cast would cut it).
const COLUMNS = SCORE.all.filter((c) => c.name !== TOUCHED).map((c) => ({ field: c.field as keyof NewFactorScoreRow, element: elementOf(c.kind, c.name) }))
const NAMES = SCORE.all.filter((c) => c.name !== TOUCHED).map((c) => c.name)

/**
 * A row is one calculation: every column but the key is replaced, omitted fields included (the
 * validated row carries them as NULL), and last_updated is refreshed. A row sent again with the same
 * values is left alone (not rewritten, `last_updated` kept): the upsert then counts it `unchanged`,
 * as ohlcv.upsert and tickers.upsert do. Key order: concurrent upserts of overlapping rows lock them in
 * the same order (no deadlock). `xmax = 0` marks a row this statement inserted; an updated row carries
 * the updater's transaction id (checked on TimescaleDB too, compressed chunks included: test/integration/factors).
 */
const MERGE = mergeSql({ table: SCORE, columns: NAMES, source: unnestSource(SCORE, NAMES, true), touch: TOUCHED })

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
