import { z } from 'zod'
import { int32, isoDate, money, numericFits, regionCode, tickerCode } from './rules.js'
import { freeText, name } from './text.js'
import { positivePrice } from './portfolio.js'

// Stored rows of the portfolio tables, as a legacy import writes them as-is (not replayed through
// applyTrade): the same column rules as tradeInputSchema / riskLimitsSchema / snapshotInputSchema,
// plus the columns those inputs leave to the repository (totals, PnL, weights).
const label = (max: number) => name(max).nullable().optional()
const text = () => freeText().nullable().optional()
const nonNegative = { message: 'must not be negative' }
const optional = <T extends z.ZodType>(s: T) => s.nullable().optional()
const shares = z.number().int('must be a whole number of shares').min(1, 'must be greater than 0')
  .max(2147483647, 'must fit an INTEGER column')

/**
 * A stored `portfolio` row (one open position), e.g. from a legacy file.
 * @example `positionRowSchema(new Set(['KR'])).parse({ ticker: '005930', region: 'KR', quantity: 10, avgBuyPrice: 70000, entryDate: '2024-01-02' })`
 */
export function positionRowSchema(regions: ReadonlySet<string>) {
  return z.object({
    ticker: tickerCode,
    region: regionCode(regions),
    quantity: shares,
    avgBuyPrice: positivePrice,
    currentPrice: optional(positivePrice),
    unrealizedPnl: optional(numericFits(18, 4)),
    unrealizedPnlPct: optional(numericFits(10, 6)),
    positionValue: optional(money),
    weight: optional(numericFits(10, 6)),
    stopLossPrice: optional(positivePrice),
    takeProfitPrice: optional(positivePrice),
    trailingStopDistance: optional(numericFits(10, 6)
      .refine((v) => v > 0 && v < 1, { message: 'must be a fraction between 0 and 1 (0.1 = 10%)' })),
    entryDate: isoDate,
    entrySignal: label(50),
    lastRebalanceDate: optional(isoDate),
    notes: text(),
  }).strict().superRefine((l, ctx) => {
    if (l.stopLossPrice != null && l.takeProfitPrice != null && l.stopLossPrice >= l.takeProfitPrice) {
      ctx.addIssue({ code: 'custom', path: ['takeProfitPrice'], message: 'must be above stopLossPrice' })
    }
  })
}

/** A stored `trades` row (an executed trade with its recorded amount and PnL), e.g. from a legacy file. */
export function tradeRowSchema(regions: ReadonlySet<string>) {
  return z.object({
    ticker: tickerCode,
    region: regionCode(regions),
    tradeDate: isoDate,
    tradeType: z.enum(['BUY', 'SELL'], { message: "must be 'BUY' or 'SELL'" }),
    quantity: shares,
    price: positivePrice,
    totalAmount: money.refine((v) => v >= 0, nonNegative),
    commission: optional(numericFits(18, 4).refine((v) => v >= 0, nonNegative)),
    slippageBps: optional(numericFits(6, 2).refine((v) => v >= 0, nonNegative)),
    strategyName: label(100),
    signalSource: label(50),
    entryReason: text(),
    realizedPnl: optional(numericFits(18, 4)),
    realizedPnlPct: optional(numericFits(10, 6)),
    holdDays: optional(int32.refine((v) => v >= 0, nonNegative)),
    orderId: label(50),
    executionTimestamp: z.date({ message: 'must be a valid Date' }).optional(),
    notes: text(),
  }).strict()
}

/** A stored `portfolio_snapshots` row (one day), e.g. from a legacy file. */
export const snapshotRowSchema = z.object({
  snapshotDate: isoDate,
  totalValue: money,
  cash: money,
  investedValue: money,
  unrealizedPnl: optional(numericFits(18, 4)),
  dailyReturn: optional(numericFits(10, 6)),
  cumulativeReturn: optional(numericFits(10, 6)),
  positions: optional(z.array(z.unknown(), { message: 'must be a JSON array' })),
  sectorExposures: optional(z.record(z.string(), z.number(), { message: 'must be a JSON object of numbers' })),
  regionExposures: optional(z.record(z.string(), z.number(), { message: 'must be a JSON object of numbers' })),
}).strict()
