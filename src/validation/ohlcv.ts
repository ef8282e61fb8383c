import { z } from 'zod'
import { ValidationError } from '../errors.js'
import { isIsoDate, isoDate, numericFits, price, regionCode, safeInteger, tickerCode } from './rules.js'
import { isStorableName, name } from './text.js'
import { checkRows, MAX_ISSUES, type CheckedRows, type RejectedRow } from './validate.js'

/** The indicator columns of `ohlcv_data`, in table order (camelCase). */
export const INDICATOR_FIELDS = [
  'ma5', 'ma20', 'ma60', 'ma120', 'ma200', 'rsi', 'macd', 'macdSignal', 'bbUpper', 'bbMiddle', 'bbLower', 'atr',
] as const
/** An indicator column of a bar (`ma5` ... `atr`). */
export type IndicatorField = (typeof INDICATOR_FIELDS)[number]

/**
 * One bar for `qdb.ohlcv.upsert`. Prices are NUMERIC(18,4) (stored rounded to 4 decimals), volume a BIGINT.
 *
 * - `adjustedClose`: omitted keeps the stored value on update; `null` clears it.
 * - Indicators are normally computed by `recomputeIndicators`; they may be given (an import of
 *   already-computed history), in which case all twelve are written (missing ones as NULL). A bar
 *   without any indicator field leaves the stored indicators as they are.
 */
export interface OhlcvBarInput {
  /** The ticker code (1 to 20 characters), e.g. `005930`; the ticker must exist in `tickers`. */
  ticker: string
  /** The ticker's region, e.g. `KR`. */
  region: string
  /** 'YYYY-MM-DD'. */
  date: string
  /** Default 'daily'. */
  timeframe?: string | undefined
  /** Opening price, > 0 (NUMERIC(18, 4)). */
  open: number
  /** High of the day: >= open, close and low. */
  high: number
  /** Low of the day, > 0: <= open, close and high. */
  low: number
  /** Closing price, > 0. */
  close: number
  /** Safe integer >= 0. */
  volume: number
  /** Close adjusted for splits and dividends; omitted keeps the stored value, null clears it. */
  adjustedClose?: number | null | undefined
  /** 5-day simple moving average of close. */
  ma5?: number | null | undefined
  /** 20-day simple moving average of close. */
  ma20?: number | null | undefined
  /** 60-day simple moving average of close. */
  ma60?: number | null | undefined
  /** 120-day simple moving average of close. */
  ma120?: number | null | undefined
  /** 200-day simple moving average of close. */
  ma200?: number | null | undefined
  /** 0..100. */
  rsi?: number | null | undefined
  /** MACD line: EMA12 - EMA26 of close. */
  macd?: number | null | undefined
  /** EMA9 of the MACD line. */
  macdSignal?: number | null | undefined
  /** Upper Bollinger band: SMA20 + 2 standard deviations. */
  bbUpper?: number | null | undefined
  /** Middle Bollinger band: SMA20. */
  bbMiddle?: number | null | undefined
  /** Lower Bollinger band: SMA20 - 2 standard deviations. */
  bbLower?: number | null | undefined
  /** >= 0. */
  atr?: number | null | undefined
}

// A price must still be positive once the column has rounded it to 4 decimals.
const barPrice = price.refine((v) => Math.round(v * 1e4) > 0, { message: 'must be at least 0.0001 (NUMERIC(18, 4))' })
const indicator = numericFits(18, 4).nullable().optional()

export function ohlcvBarSchema(regions: ReadonlySet<string>) {
  return z
    .object({
      ticker: tickerCode,
      region: regionCode(regions),
      date: isoDate,
      timeframe: name(10, 1).default('daily'),
      open: barPrice,
      high: barPrice,
      low: barPrice,
      close: barPrice,
      volume: safeInteger.refine((v) => v >= 0, { message: 'must not be negative' }),
      adjustedClose: barPrice.nullable().optional(),
      ma5: indicator, ma20: indicator, ma60: indicator, ma120: indicator, ma200: indicator,
      rsi: z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').nullable().optional(),
      macd: indicator, macdSignal: indicator, bbUpper: indicator, bbMiddle: indicator, bbLower: indicator,
      atr: indicator.refine((v) => v == null || v >= 0, { message: 'must not be negative' }),
    })
    .strict()
    .superRefine((b, ctx) => {
      // The spec's CHECK constraints, reported on the field that breaks them.
      const fail = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message })
      if (b.high < b.low) fail('high', 'must be >= low')
      if (b.high < b.open) fail('high', 'must be >= open')
      if (b.high < b.close) fail('high', 'must be >= close')
      if (b.low > b.open) fail('low', 'must be <= open')
      if (b.low > b.close) fail('low', 'must be <= close')
    })
}

/**
 * Validates bars for an upsert: every rule of `ohlcvBarSchema`, plus no two rows with the same
 * `(ticker, region, date, timeframe)` in one call (the second is rejected, naming the first).
 * `'throw'` (default) throws a ValidationError naming row and field; `'skip'` returns the bad rows.
 *
 * @example
 * ```ts
 * const { valid, rejected } = checkBars(bars, new Set(['KR']), 'skip')
 * ```
 * @internal
 */
export function checkBars(
  rows: readonly OhlcvBarInput[],
  regions: ReadonlySet<string>,
  onInvalid: 'throw' | 'skip' = 'throw',
): CheckedRows<OhlcvBarInput, OhlcvBarInput> {
  const check = new BarChecker(rows, regions)
  check.rest()
  if (onInvalid === 'throw' && check.rejected.length > 0) throw check.error()
  return { valid: check.valid, rejected: check.rejected }
}

/**
 * {@link checkBars} one row at a time, for a caller that writes bars as they pass (ohlcv.upsert streams
 * them into its COPY): `next()` checks the next row, `rest()` the remaining ones, `error()` is the
 * ValidationError checkBars throws. The same rules, rows, fields and messages.
 */
export class BarChecker {
  readonly valid: CheckedRows<OhlcvBarInput>['valid'] = []
  readonly rejected: RejectedRow<OhlcvBarInput>[] = []
  private readonly fast: FastBarCheck
  private schema: ReturnType<typeof ohlcvBarSchema> | undefined
  private readonly duplicates = new DuplicateFinder()
  private row = 0

  constructor(private readonly rows: readonly OhlcvBarInput[], private readonly regions: ReadonlySet<string>) {
    this.fast = new FastBarCheck(regions)
  }

  /** True once every row is checked. */
  get done(): boolean {
    return this.row >= this.rows.length
  }

  /** Checks the next row: the bar when valid (it is also in `valid`), undefined when rejected (in `rejected`). */
  next(): OhlcvBarInput | undefined {
    const i = this.row++
    const bar = this.rows[i] as OhlcvBarInput
    // The common case (a good bar) is decided by plainly written checks at a fraction of zod's cost;
    // anything they do not accept goes through the zod schema (built on the first such bar), which
    // has the last word and the messages. Valid rows are kept as given (no copy): no timeframe means 'daily'.
    if (!this.fast.accepts(bar)) {
      this.schema ??= ohlcvBarSchema(this.regions)
      const issues = checkRows('ohlcv_data', [bar], this.schema, 'skip').rejected[0]?.issues
      if (issues) {
        this.rejected.push({ row: i, input: bar, issues: issues.map((x) => ({ ...x, row: i })) })
        return undefined
      }
    }
    const first = this.duplicates.firstRow(bar, i, this.rows[i + 1])
    if (first === undefined) {
      this.valid.push({ row: i, value: bar })
      return bar
    }
    const message = `duplicates row ${first} (same ticker, region, date and timeframe)`
    this.rejected.push({ row: i, input: bar, issues: [{ row: i, field: 'date', message }] })
    return undefined
  }

  /** Checks every row not checked yet. */
  rest(): void {
    while (this.row < this.rows.length) this.next()
  }

  /** The error of a call with `onInvalid: 'throw'`: the first issues of the rejected rows, in row order. */
  error(): ValidationError {
    return new ValidationError('ohlcv_data', this.rejected.flatMap((r) => r.issues).slice(0, MAX_ISSUES))
  }
}

/**
 * Remembers the first row of each key, in maps nested by (region, timeframe), then ticker and date:
 * no key string is built per bar. Bars usually come as a ticker's history or as a day of the market,
 * so the outer of ticker and date is the one the first two bars share, and its last map is kept at hand.
 */
class DuplicateFinder {
  private readonly markets = new Map<string, Map<string, Map<string, number>>>()
  private byDate: boolean | undefined
  private lastRegion: string | undefined
  private lastTimeframe: string | undefined
  private outer: Map<string, Map<string, number>> | undefined
  private lastOuter: string | undefined
  private inner: Map<string, number> | undefined

  /** The earlier row with the same key, or undefined (and the row is remembered). `next`: the bar after it. */
  firstRow(b: OhlcvBarInput, row: number, next: OhlcvBarInput | undefined): number | undefined {
    this.byDate ??= next !== undefined && next?.ticker !== b.ticker
    const timeframe = b.timeframe ?? 'daily'
    let outer = this.outer
    if (b.region !== this.lastRegion || timeframe !== this.lastTimeframe || !outer) {
      const market = `${b.region}\u0000${timeframe}`
      outer = this.markets.get(market)
      if (!outer) this.markets.set(market, (outer = new Map()))
      this.lastRegion = b.region
      this.lastTimeframe = timeframe
      this.outer = outer
      this.lastOuter = undefined
    }
    const [o, i] = this.byDate ? [b.date, b.ticker] : [b.ticker, b.date]
    let inner = this.inner
    if (o !== this.lastOuter || !inner) {
      inner = outer.get(o)
      if (!inner) outer.set(o, (inner = new Map()))
      this.lastOuter = o
      this.inner = inner
    }
    const first = inner.get(i)
    if (first === undefined) inner.set(i, row)
    return first
  }
}

const ALLOWED = new Set<string>([
  'ticker', 'region', 'date', 'timeframe', 'open', 'high', 'low', 'close', 'volume', 'adjustedClose', ...INDICATOR_FIELDS,
])
const LIMIT_18_4 = 1e14

function fitsPrice(v: unknown): v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return false
  const scaled = Math.round(v * 1e4)
  return scaled > 0 && scaled / 1e4 < LIMIT_18_4
}
function fitsIndicator(v: unknown): boolean {
  if (v === undefined || v === null) return true
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(Math.round(v * 1e4) / 1e4) < LIMIT_18_4
}

function isTimeframe(v: unknown): boolean {
  return typeof v === 'string' && v.length >= 1 && v.length <= 10 && isStorableName(v)
}

/** A strict subset of `ohlcvBarSchema`: true only for bars the schema surely accepts. */
class FastBarCheck {
  private readonly goodDates = new Set<string>()
  private readonly goodTickers = new Set<string>()
  constructor(private readonly regions: ReadonlySet<string>) {}

  accepts(b: OhlcvBarInput): boolean {
    if (typeof b !== 'object' || b === null) return false
    for (const key in b) if (!ALLOWED.has(key)) return false
    const { ticker, region, date, timeframe, open, high, low, close, volume, adjustedClose } = b
    if (typeof ticker !== 'string' || !this.isTicker(ticker)) return false
    if (typeof region !== 'string' || !this.regions.has(region)) return false
    if (typeof date !== 'string' || !this.isDate(date)) return false
    if (timeframe !== undefined && timeframe !== 'daily' && !isTimeframe(timeframe)) return false
    if (!fitsPrice(open) || !fitsPrice(high) || !fitsPrice(low) || !fitsPrice(close)) return false
    if (!(high >= low && high >= open && high >= close && low <= open && low <= close)) return false
    if (!Number.isSafeInteger(volume) || volume < 0) return false
    if (adjustedClose !== undefined && adjustedClose !== null && !fitsPrice(adjustedClose)) return false
    // Read by name (fast on bars of one shape, unlike a loop over field names): most bars have none.
    const { ma5, ma20, ma60, ma120, ma200, rsi, macd, macdSignal, bbUpper, bbMiddle, bbLower, atr } = b
    if (ma5 === undefined && ma20 === undefined && ma60 === undefined && ma120 === undefined && ma200 === undefined
      && rsi === undefined && macd === undefined && macdSignal === undefined && bbUpper === undefined
      && bbMiddle === undefined && bbLower === undefined && atr === undefined) return true
    for (const field of INDICATOR_FIELDS) if (!fitsIndicator(b[field])) return false
    if (rsi != null && !(rsi >= 0 && rsi <= 100)) return false
    if (atr != null && !(atr >= 0)) return false
    return true
  }

  // Bars come many per ticker: each distinct ticker is checked once (length, blanks, text rules of text.ts).
  private isTicker(s: string): boolean {
    if (this.goodTickers.has(s)) return true
    if (s.length < 1 || s.length > 20 || s.trim() !== s || !isStorableName(s)) return false
    this.goodTickers.add(s)
    return true
  }

  private isDate(s: string): boolean {
    if (this.goodDates.has(s)) return true
    if (!isIsoDate(s)) return false
    this.goodDates.add(s)
    return true
  }
}
