import { z } from 'zod'
import type { QueryRunner } from '../../drivers/types.js'
import { chunks, rowsPerStatement } from '../../internal/batch.js'
import type { OhlcvBarInput } from '../../validation/ohlcv.js'
import { checkBars } from '../../validation/ohlcv-check.js'
import { checkOne, type RejectedRow } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { barsToCsv, columnsOf, shapeOf, type BarShape } from './csv.js'
import { BAR, TOUCHED_COLUMN } from './columns.js'
import { mergeSql, stagedSource, unnestSource } from '../../internal/merge-sql.js'
import { arrayLiteral } from '../../internal/sql-arrays.js'
import { acquireStage, prepareWrite, refreshSummaryAfterWrite } from './write-session.js'
import { copyCall, copyStraight, nothingStoredIn, spanOf, type BarSpan } from './direct-copy.js'
import { dropStaleCheckpoints } from './indicator-state.js'

/** Options of `qdb.ohlcv.upsert`. */
export interface OhlcvUpsertOptions {
  /** `'throw'` (default): one bad row rejects the call and nothing is written. `'skip'`: bad rows are returned, the rest written. */
  onInvalid?: 'throw' | 'skip' | undefined
  /** Called after each written batch, e.g. to log a large ingest. */
  onProgress?: ((progress: { written: number; total: number }) => void) | undefined
  /** Bars per batch; the default suits the driver (5,000 embedded, 50,000 on a server). */
  batchSize?: number | undefined
  /** How bars reach the table (see {@link IngestStrategy}); the default is the fastest measured for the driver. */
  strategy?: IngestStrategy | undefined
}

/** What `qdb.ohlcv.upsert` did: the write result shape every bulk write returns. */
export interface OhlcvUpsertResult {
  /** New bars. */
  inserted: number
  /** Existing bars whose values changed (their `last_updated` is refreshed). */
  updated: number
  /** Existing bars sent again with the very same values: left untouched. */
  unchanged: number
  /** Number of bad rows skipped (`onInvalid: 'skip'`; always 0 otherwise, since a bad row throws). */
  rejected: number
  /** The skipped rows, with the row index, the input and the issues. */
  rejectedRows: RejectedRow<OhlcvBarInput>[]
}

/**
 * How the bars reach the table. `copy`: COPY into a temporary staging table, then one
 * INSERT ... SELECT ... ON CONFLICT merge per batch. `unnest`: the same merge fed by one array
 * parameter per column. `values`: multi-row INSERT ... VALUES, batched under the parameter limit.
 * bench/ohlcv-ingest.ts measures them; `DEFAULT_STRATEGY` holds the winner per driver.
 */
export type IngestStrategy = 'copy' | 'unnest' | 'values'

// Measured with bench/ohlcv-ingest.ts (100,000 new bars, median of 3, time / hand-written COPY into the
// table): embedded copy 0.85, unnest 1.61, values 2.51; server copy 1.72, unnest 2.07, values 3.99.
/** @internal */
export const DEFAULT_STRATEGY: Record<QueryRunner['kind'], IngestStrategy> = { embedded: 'copy', postgres: 'copy' }
// PGlite handles ~5,000-row statements comfortably (one crashed on a 60,000-parameter insert); a server takes far larger COPY batches.
const DEFAULT_BATCH: Record<QueryRunner['kind'], number> = { embedded: 5_000, postgres: 50_000 }

// The staging table takes every column a bar can set, typed as in ohlcv_data.
const STAGE_COLUMNS = BAR.ddl(columnsOf({ adjusted: true, indicators: true }))

const optionsSchema = z.object({
  onInvalid: z.enum(['throw', 'skip']).optional(),
  batchSize: z.number().int().min(1).optional(),
  strategy: z.enum(['copy', 'unnest', 'values']).optional(),
})

/**
 * The merge of `source` (a SELECT or VALUES over `columns`), counting inserted and updated rows.
 * Identical re-sends are left alone (no write, no new last_updated).
 */
const merge = (columns: readonly string[], source: string): string => mergeSql({ table: BAR, columns, source, touch: TOUCHED_COLUMN })

/** Per column, a bar's value for it: its field, or the column's constant default (timeframe 'daily'), or NULL. */
function valueGetters(columns: readonly string[]): ((b: OhlcvBarInput) => unknown)[] {
  return columns.map((column) => {
    const { field, constantDefault } = BAR.column(column)
    return (b) => (b as unknown as Record<string, unknown>)[field] ?? constantDefault ?? null
  })
}

interface Counts { inserted: number; updated: number }

async function writeBatch(tx: QueryRunner, strategy: IngestStrategy, stage: string, bars: readonly OhlcvBarInput[], shape: BarShape, emptyAfter: boolean): Promise<Counts> {
  const columns = columnsOf(shape)
  let rows: { inserted: number; updated: number }[]
  if (strategy === 'copy') {
    await tx.copyCsv(stage, columns, barsToCsv(bars, shape))
    // Key order: concurrent ingests of overlapping bars lock rows in the same order (no deadlock).
    rows = await tx.query(merge(columns, stagedSource(BAR, stage, columns)))
    // The commit empties the stage (ON COMMIT DELETE ROWS): the last batch of a top-level call skips the round trip.
    if (emptyAfter) await tx.exec(`TRUNCATE ${stage}`)
  } else if (strategy === 'unnest') {
    const arrays = valueGetters(columns).map((valueOf) => arrayLiteral(bars.map(valueOf)))
    rows = await tx.query(merge(columns, unnestSource(BAR, columns, false)), arrays)
  } else {
    const params: unknown[] = []
    const getters = valueGetters(columns)
    const tuples = bars.map((b) => `(${getters.map((valueOf) => { params.push(valueOf(b)); return `$${params.length}` }).join(', ')})`)
    rows = await tx.query(merge(columns, `VALUES ${tuples.join(', ')}`), params)
  }
  return { inserted: Number(rows[0]?.inserted ?? 0), updated: Number(rows[0]?.updated ?? 0) }
}

interface Batch { shape: BarShape; batch: OhlcvBarInput[] }

/**
 * The statements' batches: bars grouped by which optional columns they set (so that an update never
 * blanks a value a bar left out), then cut to `size` (and, for `values`, to the parameter limit).
 */
function planBatches(values: readonly OhlcvBarInput[], strategy: IngestStrategy, size: number, ctx: RepoContext): Batch[] {
  const groups = new Map<string, { shape: BarShape; bars: OhlcvBarInput[] }>()
  for (const value of values) {
    const shape = shapeOf(value)
    const key = `${shape.adjusted}/${shape.indicators}`
    const group = groups.get(key) ?? groups.set(key, { shape, bars: [] }).get(key)!
    group.bars.push(value)
  }
  const batches: Batch[] = []
  for (const { shape, bars: group } of groups.values()) {
    const rows = strategy === 'values' ? Math.min(size, rowsPerStatement(columnsOf(shape).length, ctx.limits)) : size
    for (const batch of chunks(group, rows)) batches.push({ shape, batch })
  }
  return batches
}

/**
 * Validates and merges `bars` into `ohlcv_data` in one transaction (a savepoint inside the caller's).
 * Batches keep every statement far from the wire protocol's 65,534-parameter limit (COPY binds none).
 * @internal
 */
export async function upsertBars(
  ctx: RepoContext,
  bars: readonly OhlcvBarInput[],
  options: OhlcvUpsertOptions = {},
): Promise<OhlcvUpsertResult> {
  checkOne('ohlcv_data', { onInvalid: options.onInvalid, batchSize: options.batchSize, strategy: options.strategy }, optionsSchema)
  const { valid, rejected } = checkBars(bars, ctx.options.regions, options.onInvalid ?? 'throw')
  const result: OhlcvUpsertResult = { inserted: 0, updated: 0, unchanged: 0, rejected: rejected.length, rejectedRows: rejected }
  if (valid.length === 0) return result
  const kind = ctx.runner.kind
  const strategy = options.strategy ?? DEFAULT_STRATEGY[kind]
  // The embedded engine is kept to ~5,000-row statements whatever is asked (see maxRowsPerStatement).
  const asked = options.batchSize ?? DEFAULT_BATCH[kind]
  const size = kind === 'embedded' ? Math.min(asked, DEFAULT_BATCH.embedded) : asked

  const values = valid.map((v) => v.value)
  // The first and last daily bar (the summary's refresh), and the first of any timeframe (stale states).
  let first: string | undefined
  let last: string | undefined
  let from = values[0]!.date
  for (const value of values) {
    if (value.date < from) from = value.date
    if (value.timeframe === undefined || value.timeframe === 'daily') {
      if (first === undefined || value.date < first) first = value.date
      if (last === undefined || value.date > last) last = value.date
    }
  }
  let planned: Batch[] | undefined
  const batches = (): Batch[] => (planned ??= planBatches(values, strategy, size, ctx))
  const nested = ctx.runner.inTransaction
  let written = 0
  const progress = (n: number) => {
    written += n
    options.onProgress?.({ written, total: valid.length })
  }
  // Set while COPYing straight into the table: a 23505 then means a concurrent writer stored a key first.
  let copyingStraight = false

  // The tickers and regions written, built when a statement needs them (not on a day's one COPY).
  let spanned: BarSpan | undefined
  const span = (): BarSpan => (spanned ??= spanOf(values))
  const write = (tryStraight: boolean) => ctx.runner.transaction(async (tx) => {
    // Indicator states at or after the first day written no longer describe the stored bars.
    await dropStaleCheckpoints(tx, from, span)
    // All new (a day's bars, a backfill): COPY straight into the table, the merge's result without
    // staging or merging. The probe also lifts the decompression limit for the transaction.
    if (tryStraight && await nothingStoredIn(tx, span(), ctx.capabilities.timescale)) {
      if (nested) {
        // Inside the caller's transaction, in a savepoint: a refusal leaves it usable, and we merge.
        if (await copyStraight(tx, batches(), progress)) return void (result.inserted = valid.length)
        written = 0
      } else {
        copyingStraight = true
        for (const { shape, batch } of batches()) {
          await tx.copyCsv('ohlcv_data', columnsOf(shape), barsToCsv(batch, shape))
          progress(batch.length)
        }
        copyingStraight = false
        return void (result.inserted = valid.length)
      }
    }
    const stage = strategy === 'copy' ? acquireStage('qdb_ohlcv_stage') : undefined
    try {
      await prepareWrite(tx, ctx, stage && { name: stage.name, columns: STAGE_COLUMNS })
      for (const [i, { shape, batch }] of batches().entries()) {
        const emptyAfter = i < batches().length - 1 || nested
        const counts = await writeBatch(tx, strategy, stage?.name ?? '', batch, shape, emptyAfter)
        result.inserted += counts.inserted
        result.updated += counts.updated
        progress(batch.length)
      }
    } finally {
      stage?.release()
    }
  })

  // At top level on a server: the whole call by one COPY committed by itself, presumed all new (a
  // day's bars, a backfill). A stored key (bars sent again) or the decompression limit refuses it
  // whole, and the call goes the transaction's way: a merge, or the COPY with the limit lifted.
  const outcome = strategy === 'copy' && kind === 'postgres' && !nested
    ? await copyCall(ctx.runner, values, size, progress)
    : undefined
  if (outcome === 'copied') {
    result.inserted = valid.length
    // After the COPY committed (see dropStaleCheckpoints): a recompute that kept a state from a snapshot
    // without these bars either sees this delete or fails to serialize on the row it deleted.
    await dropStaleCheckpoints(ctx.runner, from, span)
  }
  else {
    written = 0
    try {
      await write(strategy === 'copy' && outcome !== 'stored')
    } catch (error) {
      if (!copyingStraight || (error as { code?: unknown }).code !== '23505') throw error
      // The whole transaction was rolled back: merge instead, from the start.
      copyingStraight = false
      written = 0
      await write(false)
    }
  }
  result.unchanged = valid.length - result.inserted - result.updated
  // A backfill: the daily summary is brought up to date over the days written (see refreshSummaryAfterWrite).
  if (first !== undefined && last !== undefined && result.inserted + result.updated > 0) await refreshSummaryAfterWrite(ctx, first, last)
  return result
}
