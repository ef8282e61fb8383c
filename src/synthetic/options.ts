import { dayNumber } from './calendar.js'
import { DEFAULT_SECTORS } from './regions.js'
import { invalidArgument } from '../errors.js'

/** A stock split of one ticker: from `dayIndex` on, its raw prices are divided by `ratio`. */
export interface SyntheticSplit {
  /** Index of the ticker in `syntheticMarket().tickers`. */
  tickerIndex: number
  /** Index of the first post-split trading day in the calendar. */
  dayIndex: number
  /** 2 for a 2-for-1 split (prices halve); 0.1 for a 1-for-10 reverse split. */
  ratio: number
}

/** Options of {@link syntheticMarket}; every field is optional. */
export interface SyntheticMarketOptions {
  /** Any safe integer; the same seed gives the same market, bit for bit. Default 1. */
  seed?: number | undefined
  /** Number of tickers in total, spread over `regions` in turn. Default 10. */
  tickers?: number | undefined
  /** Region codes (1-5 characters, distinct). Default ['KR', 'US']. */
  regions?: readonly string[] | undefined
  /** First calendar day 'YYYY-MM-DD'; a weekend start moves to the next Monday. Default '2020-01-02'. */
  start?: string | undefined
  /** Number of trading days (weekdays). Default 250. */
  days?: number | undefined
  /** Probability in [0, 1] that a given ticker has no bar on a given day. Default 0. */
  gapProbability?: number | undefined
  /** One stock split, or none (default). */
  split?: SyntheticSplit | undefined
  /** Sector names (1-50 characters). Default: the 11 GICS sectors. */
  sectors?: readonly string[] | undefined
}

/** Options of {@link syntheticBars}: those of the market plus the batch size. */
export interface SyntheticBarsOptions extends SyntheticMarketOptions {
  /** Bars per yielded batch, a positive integer. Default 5,000. */
  batchSize?: number | undefined
}

/** Options with defaults applied and every value checked. */
export interface ResolvedOptions {
  seed: number
  tickers: number
  regions: readonly string[]
  start: string
  days: number
  gapProbability: number
  split: SyntheticSplit | undefined
  sectors: readonly string[]
  batchSize: number
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidArgument(name, `must be a non-negative integer, got ${String(value)}`)
  return value
}

function namesList(name: string, values: readonly string[], maxLength: number): readonly string[] {
  if (values.length === 0) throw invalidArgument(name, `must not be empty`)
  for (const value of values) {
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || value.trim() !== value) {
      throw invalidArgument(name, `must hold names of 1-${maxLength} characters without surrounding blanks, got '${String(value)}'`)
    }
  }
  if (new Set(values).size !== values.length) throw invalidArgument(name, `must not repeat a name`)
  return [...values]
}

/**
 * Applies the defaults and validates every option, throwing a `ValidationError` that names the first
 * bad one. Done before generating anything, so a bad option fails at the call, not mid-stream.
 */
export function resolveOptions(options: SyntheticBarsOptions): ResolvedOptions {
  const seed = options.seed ?? 1
  if (!Number.isSafeInteger(seed)) throw invalidArgument('seed', `must be a safe integer, got ${String(seed)}`)
  const tickers = nonNegativeInteger('tickers', options.tickers ?? 10)
  const days = nonNegativeInteger('days', options.days ?? 250)
  const start = options.start ?? '2020-01-02'
  dayNumber(start, 'start')
  const regions = namesList('regions', options.regions ?? ['KR', 'US'], 5) // tickers.region is VARCHAR(5)
  const sectors = namesList('sectors', options.sectors ?? Object.keys(DEFAULT_SECTORS), 50) // VARCHAR(50)

  const gapProbability = options.gapProbability ?? 0
  if (!(gapProbability >= 0 && gapProbability <= 1)) {
    throw invalidArgument('gapProbability', `must be a number in [0, 1], got ${String(gapProbability)}`)
  }
  const batchSize = options.batchSize ?? 5000
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalidArgument('batchSize', `must be a positive integer, got ${String(batchSize)}`)

  const split = options.split
  if (split !== undefined) {
    if (!Number.isInteger(split.tickerIndex) || split.tickerIndex < 0 || split.tickerIndex >= tickers) {
      throw invalidArgument('split.tickerIndex', `must be an integer in [0, ${tickers}), got ${String(split.tickerIndex)}`)
    }
    if (!Number.isInteger(split.dayIndex) || split.dayIndex < 0 || split.dayIndex >= days) {
      throw invalidArgument('split.dayIndex', `must be an integer in [0, ${days}), got ${String(split.dayIndex)}`)
    }
    if (!Number.isFinite(split.ratio) || split.ratio <= 0) {
      throw invalidArgument('split.ratio', `must be a finite number > 0, got ${String(split.ratio)}`)
    }
  }
  return { seed, tickers, regions, start, days, gapProbability, split: split && { ...split }, sectors, batchSize }
}
