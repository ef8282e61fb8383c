import type { RejectedRow } from '../validation/validate.js'

export type { RejectedRow }

/**
 * What every bulk write (`tickers.upsert`, `ohlcv.upsert`, `factors.upsert`) returns. The counts add
 * up to the rows given: `inserted + updated + unchanged + rejected === rows.length`.
 *
 * @example
 * ```ts
 * const { inserted, updated, unchanged, rejected, rejectedRows } = await qdb.tickers.upsert(rows, { onInvalid: 'skip' })
 * for (const r of rejectedRows) console.warn(`row ${r.row}:`, r.issues.map((i) => `${i.field} ${i.message}`))
 * ```
 */
export interface WriteResult<I> {
  /** Rows that were not there before. */
  inserted: number
  /** Rows that were there and differed: rewritten, `last_updated` refreshed. */
  updated: number
  /** Rows that were there with the same values: not rewritten. */
  unchanged: number
  /** Bad rows skipped (`onInvalid: 'skip'`; always 0 otherwise, since a bad row throws). */
  rejected: number
  /** The skipped rows: index in the call, the input, the issues. */
  rejectedRows: RejectedRow<I>[]
}

/** The `onInvalid` option every bulk write takes. */
export interface WriteOptions {
  /** `'throw'` (default): one bad row rejects the call, nothing is written. `'skip'`: bad rows are returned in `rejectedRows`, the rest written. */
  onInvalid?: 'throw' | 'skip' | undefined
}

/** What `tickers.purge` deleted: the rows per table, and their sum. */
export interface PurgeResult {
  /** Rows deleted in all. */
  deleted: number
  /** Rows deleted per table, by the drizzle table names of `@quant/db/schema`. */
  tables: { ohlcvData: number; factorScores: number; trades: number; portfolio: number; tickers: number }
}
