import type { QueryRunner } from '../../drivers/types.js'
import { arrayLiteral } from '../../internal/sql-arrays.js'
import type { OhlcvBarInput } from '../../validation/ohlcv.js'
import { barsToCsv, columnsOf, type BarShape } from './csv.js'

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
