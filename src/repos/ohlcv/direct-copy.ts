import type { QueryRunner } from '../../drivers/types.js'
import { arrayLiteral } from '../../internal/sql-arrays.js'
import type { OhlcvBarInput } from '../../validation/ohlcv.js'
import { barsToCsv, columnsOf, csvLine, shapeOf, type BarShape } from './csv.js'

/** What a call writes: its tickers, regions and first and last day, every timeframe. */
export interface BarSpan { tickers: Set<string>; regions: Set<string>; from: string; to: string }

export function spanOf(bars: readonly OhlcvBarInput[]): BarSpan {
  const span: BarSpan = { tickers: new Set(), regions: new Set(), from: bars[0]!.date, to: bars[0]!.date }
  for (const b of bars) {
    span.tickers.add(b.ticker)
    span.regions.add(b.region)
    if (b.date < span.from) span.from = b.date
    if (b.date > span.to) span.to = b.date
  }
  return span
}

/**
 * True when no stored bar of these tickers lies between the call's first and last day: every bar is
 * new (a day's ingest, a backfill of history not yet there). One indexed probe, usually in a single
 * recent chunk (or none).
 * @internal
 */
export async function nothingStoredIn(tx: QueryRunner, span: BarSpan, liftDecompressionLimit = false): Promise<boolean> {
  // With TimescaleDB the same round trip lifts the decompression limit for the transaction (see prepareWrite).
  const lift = liftDecompressionLimit ? `, set_config('timescaledb.max_tuples_decompressed_per_dml_transaction', '0', true)` : ''
  const [row] = await tx.queryArrays(
    `SELECT EXISTS (SELECT 1 FROM ohlcv_data WHERE ticker = ANY($1::varchar[]) AND region = ANY($2::varchar[])
       AND date >= $3::date AND date <= $4::date)${lift}`,
    [arrayLiteral([...span.tickers]), arrayLiteral([...span.regions]), span.from, span.to], { prepare: true })
  return row?.[0] === false
}

/**
 * New bars straight into `ohlcv_data` by COPY, without the staging table and the ON CONFLICT merge:
 * the merge's result for rows that are all new, at the cost of the COPY alone. In a savepoint: if a
 * concurrent writer stored one of the keys meanwhile (23505), nothing of it stays and it returns
 * false, for the caller to merge instead.
 * @internal
 */
export async function copyStraight(
  tx: QueryRunner,
  batches: readonly { shape: BarShape; batch: readonly OhlcvBarInput[] }[],
  onBatch: (rows: number) => void,
): Promise<boolean> {
  try {
    await tx.transaction(async (sp) => {
      for (const { shape, batch } of batches) await sp.copyCsv('ohlcv_data', columnsOf(shape), barsToCsv(batch, shape))
    })
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505') return false
    throw error
  }
  for (const { batch } of batches) onBatch(batch.length)
  return true
}

/** How a {@link copyCall} ended. */
export type CopyCallOutcome =
  /** Every bar is stored (one COPY, committed by itself). */
  | 'copied'
  /** A key was stored already (23505: a bar sent again, or a concurrent writer's): nothing stored; merge instead. */
  | 'stored'
  /** TimescaleDB's decompression limit refused it (53400: compressed chunks holding other bars of these tickers): nothing stored. */
  | 'limited'

/** Bars per CSV chunk: the server works on one while the next is built. */
const CHUNK_BARS = 1_000

/**
 * A whole top-level call of validated bars, presumed all new, straight into `ohlcv_data` by one COPY
 * committed by itself: no BEGIN/COMMIT, no probe, no staging, no merge, the cost of a raw COPY. The
 * CSV is built chunk by chunk while the server takes the previous chunk. One statement: all or
 * nothing. Columns: those any bar sets (a new row's other columns are NULL, as the merge leaves them).
 * `onBatch` is called each time `batchSize` more bars have gone to the server, and for the rest at the end.
 */
export async function copyCall(
  runner: QueryRunner,
  bars: readonly OhlcvBarInput[],
  batchSize: number,
  onBatch: (rows: number) => void,
): Promise<CopyCallOutcome> {
  const shape: BarShape = { adjusted: false, indicators: false }
  for (const b of bars) {
    if (shape.adjusted && shape.indicators) break
    const s = shapeOf(b)
    shape.adjusted ||= s.adjusted
    shape.indicators ||= s.indicators
  }
  let reported = 0
  function* chunks(): Generator<string> {
    for (let i = 0; i < bars.length; i += CHUNK_BARS) {
      const end = Math.min(bars.length, i + CHUNK_BARS)
      let text = ''
      for (let j = i; j < end; j++) text += csvLine(bars[j] as OhlcvBarInput, shape) + '\n'
      yield text
      // Resumed: the chunk is with the server.
      while (end - reported >= batchSize) {
        reported += batchSize
        onBatch(batchSize)
      }
    }
  }
  try {
    await runner.copyCsv('ohlcv_data', columnsOf(shape), chunks())
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === '23505') return 'stored'
    if (code === '53400') return 'limited'
    throw error
  }
  for (; reported < bars.length; reported += batchSize) onBatch(Math.min(batchSize, bars.length - reported))
  return 'copied'
}
