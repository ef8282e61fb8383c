import { ValidationError } from '../errors.js'
import { INDICATOR_FIELDS, ohlcvBarSchema, type OhlcvBarInput } from './ohlcv.js'
import { isIsoDate } from './rules.js'
import { isStorableName } from './text.js'
import { checkRows, MAX_ISSUES, type CheckedRows, type RejectedRow } from './validate.js'

// The check of many bars for ohlcv.upsert: the rules of ohlcvBarSchema (ohlcv.ts) for every bar, the
// common case (a well-formed bar) decided by plainly written checks at a fraction of zod's cost, and
// no two bars with the same key.

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
 * @internal
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
const PLAIN_TICKER = /^[!-~](?:[ -~]{0,18}[!-~])?$/

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
    if (!this.knownKeys(b)) return false
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

  // The bars of a call usually have the same keys in the same order: each key is compared with the
  // one at its place in an earlier bar (all allowed); only a key that differs is looked up in ALLOWED.
  private readonly keys: string[] = []
  private knownKeys(b: object): boolean {
    let i = 0
    for (const key in b) {
      if (key !== this.keys[i]) {
        if (!ALLOWED.has(key)) return false
        this.keys[i] = key
      }
      i++
    }
    return true
  }

  // A printable ASCII code without a blank at either end passes the rules below: no lookup. Others:
  // each distinct ticker is checked once (length, blanks, text rules of text.ts).
  private isTicker(s: string): boolean {
    if (PLAIN_TICKER.test(s)) return true
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
