import { and, asc, eq, gte, lte, type SQL } from 'drizzle-orm'
import { portfolio, trades } from '../../schema/index.js'
import type { RepoContext } from '../context.js'
import type { Position, Trade } from './types.js'
import { CachedRead } from '../../internal/fast-select.js'

/** Filters of `qdb.portfolio.trades()`. Dates are inclusive 'YYYY-MM-DD'. */
export interface TradeListOptions {
  ticker?: string
  region?: string
  tradeType?: 'BUY' | 'SELL'
  strategyName?: string
  from?: string
  to?: string
  limit?: number
}

const positionReads = new CachedRead<Position>(portfolio)

/** Open positions, by ticker and region. */
export async function listPositions(ctx: RepoContext, options: { region?: string } = {}): Promise<Position[]> {
  const where = options.region === undefined ? undefined : eq(portfolio.region, options.region)
  // A hot read: the statement cached and prepared, rows decoded by position (src/internal/fast-select.ts).
  return positionReads.run(ctx.runner, `positions:${options.region !== undefined}`,
    () => ctx.runner.db.select().from(portfolio).where(where).orderBy(asc(portfolio.ticker), asc(portfolio.region)),
    options.region === undefined ? [] : [options.region])
}

/** One position, or undefined when nothing is held. */
export async function findPosition(ctx: RepoContext, ticker: string, region: string): Promise<Position | undefined> {
  const [row] = await ctx.runner.db.select().from(portfolio)
    .where(and(eq(portfolio.ticker, ticker), eq(portfolio.region, region)))
  return row
}

/** Trade history, oldest first (trade date, then the order the trades were applied). */
export async function listTrades(ctx: RepoContext, options: TradeListOptions = {}): Promise<Trade[]> {
  const where: SQL[] = []
  if (options.ticker !== undefined) where.push(eq(trades.ticker, options.ticker))
  if (options.region !== undefined) where.push(eq(trades.region, options.region))
  if (options.tradeType !== undefined) where.push(eq(trades.tradeType, options.tradeType))
  if (options.strategyName !== undefined) where.push(eq(trades.strategyName, options.strategyName))
  if (options.from !== undefined) where.push(gte(trades.tradeDate, options.from))
  if (options.to !== undefined) where.push(lte(trades.tradeDate, options.to))
  const query = ctx.runner.db.select().from(trades).where(and(...where)).orderBy(asc(trades.tradeDate), asc(trades.tradeId))
  if (options.limit !== undefined) query.limit(options.limit)
  return query
}
