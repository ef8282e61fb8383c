import { z } from 'zod'
import { jsonDocument } from './json.js'
import { isoDate, numericFits, regionCode, tickerCode } from './rules.js'
import { freeText, name } from './text.js'

/** One execution in a backtest's trade log (`backtest_results.trades`, JSONB). */
export interface BacktestTrade {
  /** 'YYYY-MM-DD', within the backtest's period. */
  date: string
  /** The ticker traded. */
  ticker: string
  /** Default: the backtest's region. */
  region?: string | undefined
  /** `BUY` or `SELL`. */
  side: 'BUY' | 'SELL'
  /** > 0; fractional quantities are allowed (a simulation may trade them). */
  quantity: number
  /** > 0. */
  price: number
  /** >= 0. */
  commission?: number | undefined
  /** Realized profit or loss of the trade (SELL), in money. */
  pnl?: number | undefined
  /** Free text: why the strategy traded. */
  reason?: string | undefined
}

/**
 * A backtest for `qdb.backtests.save`. Conventions (all ratios are fractions, as the spec's
 * NUMERIC(10, 6) columns suggest): `totalReturn` 0.25 = +25%; `maxDrawdown` is the magnitude of the
 * worst peak-to-trough fall, 0..1 (0.2 = a 20% fall), never negative; `winRate` 0..1.
 *
 * Consistency rules: `endDate` after `startDate`; `initialCapital` > 0 and `finalCapital` >= 0 (a
 * strategy may lose everything, and that result is worth keeping); `winningTrades + losingTrades <=
 * totalTrades`; when the capitals and `totalReturn` are all given, `totalReturn = final / initial - 1`;
 * every trade of the log dated within the period.
 */
export interface BacktestInput {
  /** The strategy's name (at most 100 characters): what `list({ strategyName })` and `best` filter on. */
  strategyName: string
  /** The region the strategy traded, e.g. `KR`. */
  region: string
  /** When the simulation ran; default now. */
  simulationDate?: Date | undefined
  /** 'YYYY-MM-DD'. */
  startDate: string
  /** 'YYYY-MM-DD', after startDate. */
  endDate: string
  /** Capital at the start, in money, > 0. */
  initialCapital: number
  /** Capital at the end, in money, >= 0. */
  finalCapital?: number | null | undefined
  /** Return over the whole period as a fraction (0.25 = +25%); `final / initial - 1` when the capitals are given. */
  totalReturn?: number | null | undefined
  /** Annualized return as a fraction (0.12 = +12% a year). */
  annualReturn?: number | null | undefined
  /** Annualized Sharpe ratio (dimensionless). */
  sharpeRatio?: number | null | undefined
  /** Annualized Sortino ratio (dimensionless). */
  sortinoRatio?: number | null | undefined
  /** Worst peak-to-trough fall as a positive fraction, 0 to 1 (0.2 = a 20% fall). */
  maxDrawdown?: number | null | undefined
  /** Winning trades / closed trades, 0 to 1. */
  winRate?: number | null | undefined
  /** Trades made (a whole number >= 0). */
  totalTrades?: number | null | undefined
  /** Trades closed with a profit; winning + losing <= total. */
  winningTrades?: number | null | undefined
  /** Trades closed with a loss. */
  losingTrades?: number | null | undefined
  /** Mean profit of a winning trade, in money. */
  avgWin?: number | null | undefined
  /** Mean loss of a losing trade, in money (as the strategy reports it; the sign is kept). */
  avgLoss?: number | null | undefined
  /** The strategy's parameters: plain JSON. */
  strategyParams?: Record<string, unknown> | null | undefined
  /** E.g. 'daily', 'weekly', 'monthly' (at most 20 characters). */
  rebalanceFrequency?: string | null | undefined
  /** Basis points, 0 to 9999.99. */
  transactionCostBps?: number | null | undefined
  /** The trade log (JSONB): read back by `get`, left out of `list` and `best`. */
  trades?: readonly BacktestTrade[] | null | undefined
}

const positive = { message: 'must be greater than 0' }
const nonNegative = { message: 'must not be negative' }
const count = z.number().int('must be a whole number').min(0, 'must not be negative').max(2147483647, 'must fit an INTEGER column')
const fraction = (message: string) => numericFits(10, 6).refine((v) => v >= 0 && v <= 1, { message }).nullable().optional()

export function backtestTradeSchema(regions: ReadonlySet<string>) {
  return z.object({
    date: isoDate,
    ticker: tickerCode,
    region: regionCode(regions).optional(),
    side: z.enum(['BUY', 'SELL'], { message: "must be 'BUY' or 'SELL'" }),
    quantity: z.number().refine((v) => v > 0, positive),
    price: z.number().refine((v) => v > 0, positive),
    commission: z.number().refine((v) => v >= 0, nonNegative).optional(),
    pnl: z.number().optional(),
    reason: freeText(1000).optional(),
  }).strict()
}

export function backtestInputSchema(regions: ReadonlySet<string>) {
  return z.object({
    strategyName: name(100, 1),
    region: regionCode(regions),
    simulationDate: z.date({ message: 'must be a valid Date' }).optional(),
    startDate: isoDate,
    endDate: isoDate,
    initialCapital: numericFits(18, 2).refine((v) => v > 0, positive),
    finalCapital: numericFits(18, 2).refine((v) => v >= 0, nonNegative).nullable().optional(),
    totalReturn: numericFits(10, 6).nullable().optional(),
    annualReturn: numericFits(10, 6).nullable().optional(),
    sharpeRatio: numericFits(10, 4).nullable().optional(),
    sortinoRatio: numericFits(10, 4).nullable().optional(),
    maxDrawdown: fraction('must be the magnitude of the fall as a fraction between 0 and 1 (0.2 = a 20% drawdown), not a negative number'),
    winRate: fraction('must be a fraction between 0 and 1 (0.55 = 55% winning trades)'),
    totalTrades: count.nullable().optional(),
    winningTrades: count.nullable().optional(),
    losingTrades: count.nullable().optional(),
    avgWin: numericFits(18, 4).nullable().optional(),
    avgLoss: numericFits(18, 4).nullable().optional(),
    strategyParams: jsonDocument.nullable().optional(),
    rebalanceFrequency: name(20, 1).nullable().optional(),
    transactionCostBps: numericFits(6, 2).refine((v) => v >= 0, nonNegative).nullable().optional(),
    trades: z.array(backtestTradeSchema(regions)).nullable().optional(),
  }).strict().superRefine((b, ctx) => {
    const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message })
    if (b.endDate <= b.startDate) fail(['endDate'], 'must be after startDate')
    if (b.winningTrades != null && b.losingTrades != null && b.totalTrades != null
      && b.winningTrades + b.losingTrades > b.totalTrades) {
      fail(['winningTrades'], 'winningTrades + losingTrades must not exceed totalTrades')
    }
    if (b.totalTrades != null) {
      if (b.winningTrades != null && b.winningTrades > b.totalTrades) fail(['winningTrades'], 'must not exceed totalTrades')
      if (b.losingTrades != null && b.losingTrades > b.totalTrades) fail(['losingTrades'], 'must not exceed totalTrades')
    }
    if (b.finalCapital != null && b.totalReturn != null) {
      // The capitals are kept to the cent and the return to 6 decimals: allow both roundings.
      const implied = b.finalCapital / b.initialCapital - 1
      const tolerance = 1e-6 + 0.01 / b.initialCapital
      if (Math.abs(b.totalReturn - implied) > tolerance) {
        fail(['totalReturn'], `must equal finalCapital / initialCapital - 1 (${implied.toFixed(6)}) as a fraction`)
      }
    }
    b.trades?.forEach((t, i) => {
      if (t.date < b.startDate || t.date > b.endDate) fail(['trades', i, 'date'], 'must be within startDate..endDate')
    })
  })
}

/** Sortable columns of `qdb.backtests.best`: the allow-list, mapped to SQL and the direction that is "best". */
export const BEST_BY = {
  sharpeRatio: { column: 'sharpe_ratio', direction: 'DESC' },
  sortinoRatio: { column: 'sortino_ratio', direction: 'DESC' },
  totalReturn: { column: 'total_return', direction: 'DESC' },
  annualReturn: { column: 'annual_return', direction: 'DESC' },
  winRate: { column: 'win_rate', direction: 'DESC' },
  finalCapital: { column: 'final_capital', direction: 'DESC' },
  // A drawdown is a magnitude (0..1): the smallest is the best.
  maxDrawdown: { column: 'max_drawdown', direction: 'ASC' },
} as const
/** What `qdb.backtests.best({ by })` ranks by: a field name of the result. */
export type BacktestMetric = keyof typeof BEST_BY

/** A point in time for the simulation-date filters: a Date, or 'YYYY-MM-DD' (a whole day in the session time zone). */
export type TimeBound = Date | string

const timeBound = z.union([z.date({ message: 'must be a valid Date' }), isoDate], { message: "must be a Date or 'YYYY-MM-DD'" })

/** Arguments of `qdb.backtests.list`. */
export interface BacktestListOptions {
  /** Only results of this strategy. */
  strategyName?: string | undefined
  /** Only results of this region. */
  region?: string | undefined
  /** Simulations run at or after this time (a date: from the start of that day). */
  from?: TimeBound | undefined
  /** Simulations run at or before this time (a date: to the end of that day). */
  to?: TimeBound | undefined
  /** Default 100. */
  limit?: number | undefined
  /** Rows to skip (default 0). */
  offset?: number | undefined
}

/** Arguments of `qdb.backtests.best`. */
export interface BacktestBestOptions {
  /** The metric to rank by, a field name of the result: highest first, `maxDrawdown` smallest first. */
  by: BacktestMetric
  /** Only results of this strategy. */
  strategyName?: string | undefined
  /** Only results of this region. */
  region?: string | undefined
  /** Simulations run at or after this time. */
  from?: TimeBound | undefined
  /** Simulations run at or before this time. */
  to?: TimeBound | undefined
  /** Default 10. */
  limit?: number | undefined
}

export function backtestFilterSchema(regions: ReadonlySet<string>) {
  return z.object({
    strategyName: name(100, 1).optional(),
    region: regionCode(regions).optional(),
    from: timeBound.optional(),
    to: timeBound.optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000').optional(),
  })
}

export function backtestListSchema(regions: ReadonlySet<string>) {
  return backtestFilterSchema(regions).extend({
    offset: z.number().int('must be a whole number').min(0, 'must not be negative').optional(),
  }).strict()
}

export function backtestBestSchema(regions: ReadonlySet<string>) {
  const metrics = Object.keys(BEST_BY) as [BacktestMetric, ...BacktestMetric[]]
  return backtestFilterSchema(regions).extend({
    by: z.enum(metrics, { message: `must be one of ${metrics.join(', ')}` }),
  }).strict()
}

/** A backtest id: a positive INTEGER (SERIAL). */
export const backtestIdSchema = z.number().int('must be a whole number').min(1, 'must be at least 1').max(2147483647, 'must fit an INTEGER column')
