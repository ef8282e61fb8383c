import { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { isoDate, money, numericFits, price, regionCode, tickerCode } from './rules.js'
import { freeText, name } from './text.js'
import { checkRows, MAX_ISSUES } from './validate.js'

/**
 * One execution for `qdb.portfolio.applyTrade`. See docs/portfolio-arithmetic.md for how each number is used.
 *
 * - `price`: the reference (decision) price; the stored `trades.price` is the executed price after slippage.
 * - `commission`: money paid for the trade (>= 0, default 0). Capitalized into the cost basis on a BUY,
 *   deducted from the realized PnL on a SELL.
 * - `slippageBps`: basis points (>= 0, default 0), always against the trader.
 */
export interface TradeInput {
  /** The ticker code. */
  ticker: string
  /** The ticker's region. */
  region: string
  /** 'YYYY-MM-DD'. */
  tradeDate: string
  /** `BUY` or `SELL` (a SELL beyond the held quantity is refused). */
  tradeType: 'BUY' | 'SELL'
  /** Whole shares, > 0. */
  quantity: number
  /** Reference price, >= 0.0001 (NUMERIC(18, 4)). */
  price: number
  /**
   * Money paid for the trade, >= 0 (default 0): added to the cost basis on a BUY, deducted from the realized
   * PnL on a SELL.
   */
  commission?: number | undefined
  /**
   * Slippage in basis points, >= 0 (default 0), always against the trader: the executed price is the reference
   * price moved by it.
   */
  slippageBps?: number | undefined
  /** The strategy that traded: what `trades({ strategyName })` filters on. */
  strategyName?: string | null | undefined
  /** Also recorded as the position's `entry_signal` when the trade opens it. */
  signalSource?: string | null | undefined
  /** Free text: why the trade was made. */
  entryReason?: string | null | undefined
  /** The broker's order id, if any. */
  orderId?: string | null | undefined
  /** Default: now (the column default). */
  executionTimestamp?: Date | undefined
  /** Free text. */
  notes?: string | null | undefined
}

// Names and ids carry no control characters; free text may hold line breaks (see text.ts).
const label = (max: number) => name(max).nullable().optional()
const text = () => freeText().nullable().optional()
const nonNegative = { message: 'must not be negative' }

/** A price a NUMERIC(18, 4) column keeps as a positive number. */
export const positivePrice = price.refine((v) => v >= 0.0001, { message: 'must be at least 0.0001 (NUMERIC(18, 4))' })

/** The largest gross notional `trades.total_amount` (NUMERIC(18, 2)) holds. */
const MAX_NOTIONAL = 1e16
/** The largest price NUMERIC(18, 4) holds. */
const MAX_PRICE = 1e14

export function tradeInputSchema(regions: ReadonlySet<string>) {
  return z
    .object({
      ticker: tickerCode,
      region: regionCode(regions),
      tradeDate: isoDate,
      tradeType: z.enum(['BUY', 'SELL'], { message: "must be 'BUY' or 'SELL'" }),
      quantity: z.number().int('must be a whole number of shares').min(1, 'must be greater than 0')
        .max(2147483647, 'must fit an INTEGER column'),
      price: positivePrice,
      commission: numericFits(18, 4).refine((v) => v >= 0, nonNegative).optional(),
      // NUMERIC(6, 2) keeps slippage below 10,000 bps, so a SELL's executed price stays above zero
      // except for prices near 0.0001 (checked against the executed price when the trade is applied).
      slippageBps: numericFits(6, 2).refine((v) => v >= 0, nonNegative).optional(),
      strategyName: label(100),
      signalSource: label(50),
      entryReason: text(),
      orderId: label(50),
      executionTimestamp: z.date({ message: 'must be a valid Date' }).optional(),
      notes: text(),
    })
    .strict()
    .superRefine((t, ctx) => {
      const factor = t.tradeType === 'BUY' ? 1 + (t.slippageBps ?? 0) / 10_000 : 1
      if (t.quantity * t.price * factor >= MAX_NOTIONAL) {
        ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'quantity x price must be below 1e16 (trades.total_amount NUMERIC(18, 2))' })
      }
      // The executed price, and on a BUY the cost per share with commission, must fit NUMERIC(18, 4).
      const perShare = t.price * factor + (t.tradeType === 'BUY' ? (t.commission ?? 0) / t.quantity : 0)
      if (perShare >= MAX_PRICE) {
        ctx.addIssue({ code: 'custom', path: ['price'], message: 'with slippage and commission per share, must stay below 1e14 (NUMERIC(18, 4))' })
      }
    })
}

/** A current price of one position, for `markToMarket` and `triggeredExits`. */
export interface MarkPrice {
  /** The ticker code. */
  ticker: string
  /** The ticker's region. */
  region: string
  /** > 0; stored rounded to 4 decimals. */
  price: number
}

/**
 * Prices as a list, or as a Map keyed `'TICKER:REGION'` (see `priceKey`), e.g. `new Map([['AAPL:US', 189.5]])`.
 */
export type MarkPrices = readonly MarkPrice[] | ReadonlyMap<string, number>

/**
 * The Map key of a position's price: `'005930:KR'`.
 * @example `await qdb.portfolio.markToMarket(new Map([[priceKey('005930', 'KR'), 74_500]]), '2024-03-05')`
 */
export function priceKey(ticker: string, region: string): string {
  return `${ticker}:${region}`
}

export function markPriceSchema(regions: ReadonlySet<string>) {
  return z.object({ ticker: tickerCode, region: regionCode(regions), price: positivePrice }).strict()
}

/**
 * Turns either form of `MarkPrices` into validated rows: every row valid, no (ticker, region) twice;
 * otherwise a ValidationError naming the row (the position in the list, or in the Map's iteration order).
 */
export function checkMarkPrices(table: string, prices: MarkPrices, regions: ReadonlySet<string>): MarkPrice[] {
  const rows: unknown[] = Array.isArray(prices)
    ? prices
    : [...(prices as ReadonlyMap<string, number>)].map(([key, value]) => {
        const at = key.lastIndexOf(':')
        return at < 0 ? { ticker: key, region: '', price: value } : { ticker: key.slice(0, at), region: key.slice(at + 1), price: value }
      })
  const { valid } = checkRows(table, rows, markPriceSchema(regions))
  const seen = new Map<string, number>()
  const issues: ValidationIssue[] = []
  for (const { row, value } of valid) {
    const key = priceKey(value.ticker, value.region)
    const first = seen.get(key)
    if (first === undefined) seen.set(key, row)
    else issues.push({ row, field: 'ticker', message: `duplicates row ${first} (same ticker and region)` })
  }
  if (issues.length > 0) throw new ValidationError(table, issues.slice(0, MAX_ISSUES))
  return valid.map((v) => v.value)
}

/**
 * Risk limits of one position. Omitted: unchanged; `null`: cleared.
 * `trailingStopDistance` is a fraction of the high-water mark: 0.1 exits 10% below it.
 */
export interface RiskLimitsInput {
  /** The position's ticker. */
  ticker: string
  /** The position's region. */
  region: string
  /** Exit when the price falls to or below this (money, > 0); null clears it. */
  stopLossPrice?: number | null | undefined
  /** Exit when the price rises to or above this (money, > 0); null clears it. */
  takeProfitPrice?: number | null | undefined
  /** Exit after a fall of this fraction from the highest mark since entry (0.1 = 10%), 0 to 1; null clears it. */
  trailingStopDistance?: number | null | undefined
}

export function riskLimitsSchema(regions: ReadonlySet<string>) {
  return z
    .object({
      ticker: tickerCode,
      region: regionCode(regions),
      stopLossPrice: positivePrice.nullable().optional(),
      takeProfitPrice: positivePrice.nullable().optional(),
      trailingStopDistance: numericFits(10, 6)
        .refine((v) => v > 0 && v < 1, { message: 'must be a fraction between 0 and 1 (0.1 = 10%)' })
        .nullable().optional(),
    })
    .strict()
    .superRefine((l, ctx) => {
      if (l.stopLossPrice != null && l.takeProfitPrice != null && l.stopLossPrice >= l.takeProfitPrice) {
        ctx.addIssue({ code: 'custom', path: ['takeProfitPrice'], message: 'must be above stopLossPrice' })
      }
    })
}

/** Arguments of `qdb.portfolio.snapshot`. */
export interface SnapshotInput {
  /** 'YYYY-MM-DD': the snapshot's day (one snapshot per day; a second call replaces it). */
  snapshotDate: string
  /** Cash balance, NUMERIC(18, 2); may be negative (margin). */
  cash: number
}

export const snapshotInputSchema = z.object({ snapshotDate: isoDate, cash: money }).strict()

/** Arguments of `qdb.portfolio.performance`. */
export interface PerformanceOptions {
  /** First day, inclusive ('YYYY-MM-DD'); default: the first snapshot. */
  from?: string | undefined
  /** Last day, inclusive; default: the last snapshot. */
  to?: string | undefined
  /** Refresh `portfolio_daily_metrics` first (default true). See `performance()` for transactions. */
  refresh?: boolean | undefined
}

export const performanceOptionsSchema = z
  .object({ from: isoDate.optional(), to: isoDate.optional(), refresh: z.boolean().optional() })
  .strict()
  .superRefine((o, ctx) => {
    if (o.from !== undefined && o.to !== undefined && o.to < o.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
    }
  })

/** Arguments of `qdb.portfolio.positions`. */
export interface PositionListOptions {
  /** Only positions of this region. */
  region?: string | undefined
}

export function positionListSchema(regions: ReadonlySet<string>) {
  return z.object({ region: regionCode(regions).optional() }).strict()
}

/** Arguments of `qdb.portfolio.snapshots`: days inclusive, both optional. */
export interface SnapshotRangeOptions {
  /** First snapshot day, inclusive ('YYYY-MM-DD'). */
  from?: string | undefined
  /** Last snapshot day, inclusive ('YYYY-MM-DD'). */
  to?: string | undefined
}

export const snapshotRangeSchema = z
  .object({ from: isoDate.optional(), to: isoDate.optional() })
  .strict()
  .superRefine((o, ctx) => {
    if (o.from !== undefined && o.to !== undefined && o.to < o.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
    }
  })

/** Filters of `qdb.portfolio.trades`. Dates are inclusive 'YYYY-MM-DD'. */
export interface TradeListOptions {
  /** Only this ticker. */
  ticker?: string | undefined
  /** Only this region. */
  region?: string | undefined
  /** Only `BUY` or only `SELL`. */
  tradeType?: 'BUY' | 'SELL' | undefined
  /** Only the trades of this strategy. */
  strategyName?: string | undefined
  /** First trade date, inclusive. */
  from?: string | undefined
  /** Last trade date, inclusive. */
  to?: string | undefined
  /** At most this many trades (integer >= 1; default: all). */
  limit?: number | undefined
}

export function tradeListSchema(regions: ReadonlySet<string>) {
  return z.object({
    ticker: tickerCode.optional(),
    region: regionCode(regions).optional(),
    tradeType: z.enum(['BUY', 'SELL'], { message: "must be 'BUY' or 'SELL'" }).optional(),
    strategyName: z.string().max(100, 'must be at most 100 characters').optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  }).strict().superRefine((o, ctx) => {
    if (o.from !== undefined && o.to !== undefined && o.to < o.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
    }
  })
}
