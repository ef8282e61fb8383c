import type { TableColumns } from './table-columns.js'

// The one INSERT ... ON CONFLICT merge of the bulk writers (ohlcv.upsert's staging table, unnest and
// VALUES paths; factors.upsert's unnest path): same counting, same "identical re-send is left alone".

export interface MergeOptions {
  /** The target table. */
  table: TableColumns
  /** The SQL names the source produces, in its order (the key columns among them). */
  columns: readonly string[]
  /** A SELECT or VALUES producing `columns`. */
  source: string
  /** The columns an update replaces; default every one of `columns` but the key. */
  update?: readonly string[] | undefined
  /** A column set to now() whenever a row is updated (`last_updated`); default none. */
  touch?: string | undefined
}

/**
 * The merge of `source` into the table by its primary key, returning one row
 * `{ inserted, updated }`. A conflicting row is updated only when one of the `update` columns differs
 * (`IS DISTINCT FROM`): an identical re-send is not rewritten and keeps its `touch` timestamp, and the
 * caller counts it unchanged (rows sent − inserted − updated). `xmax = 0` marks a freshly inserted row.
 *
 * @example `mergeSql({ table: BAR, columns, source: stagedSource(BAR, 'stage', columns), touch: 'last_updated' })`
 */
export function mergeSql(o: MergeOptions): string {
  const t = o.table
  const keys = new Set(t.keys)
  const update = o.update ?? o.columns.filter((c) => !keys.has(c))
  const set = update.map((c) => `"${c}" = excluded."${c}"`)
  if (o.touch !== undefined) set.push(`"${o.touch}" = now()`)
  return `WITH merged AS (
    INSERT INTO ${t.table} AS o (${t.list(o.columns)}) ${o.source}
    ON CONFLICT (${t.list(t.keys)}) DO UPDATE SET ${set.join(', ')}
    WHERE (${t.list(update, 'o')}) IS DISTINCT FROM (${t.list(update, 'excluded')})
    RETURNING (xmax = 0) AS inserted)
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM merged`
}

/**
 * The rows of a staging table, in key order: concurrent merges of overlapping rows then lock them in
 * the same order (no deadlock).
 */
export function stagedSource(table: TableColumns, stage: string, columns: readonly string[]): string {
  const t = table
  return `SELECT ${t.list(columns)} FROM ${stage} ORDER BY ${t.list(t.keys)}`
}

/**
 * One array parameter per column (`$1::text[]`, `$2::numeric[]`, ... of each column's `paramType`), so
 * a statement binds as many parameters as there are columns, whatever the number of rows. `ordered`
 * sorts by key, as {@link stagedSource} does.
 */
export function unnestSource(table: TableColumns, columns: readonly string[], ordered: boolean): string {
  const t = table
  const arrays = columns.map((c, i) => `$${i + 1}::${t.column(c).paramType}[]`).join(', ')
  return `SELECT * FROM unnest(${arrays}) AS s(${t.list(columns)})${ordered ? ` ORDER BY ${t.list(t.keys)}` : ''}`
}
