import { and, asc, eq, gte, lte, type SQL } from 'drizzle-orm'
import { perRegions } from '../../internal/fast-select.js'
import { portfolio, trades } from '../../schema/index.js'
import type { TickerKey } from '../../validation/factors.js'
import {
  positionListSchema, tradeListSchema, type PositionListOptions, type TradeListOptions,
} from '../../validation/portfolio.js'
import { regionCode, tickerCode } from '../../validation/rules.js'
import { checkOne } from '../../validation/validate.js'
import { z } from 'zod'
import type { RepoContext } from '../context.js'
import type { Position, Trade } from './types.js'
import { CachedRead } from '../../internal/fast-select.js'

export type { PositionListOptions, TradeListOptions }

const positionsSchema = perRegions(positionListSchema)
const tradesSchema = perRegions(tradeListSchema)
const tickerKeySchema = perRegions((regions) => z.object({ ticker: tickerCode, region: regionCode(regions) }).strict())

const positionReads = new CachedRead<Position>(portfolio)

/** Open positions, by ticker and region. @internal */
export async function listPositions(ctx: RepoContext, options: PositionListOptions = {}): Promise<Position[]> {
  const { region } = checkOne('portfolio', options, positionsSchema(ctx.options.regions))
  const where = region === undefined ? undefined : eq(portfolio.region, region)
  // A hot read: the statement cached and prepared, rows decoded by position (src/internal/fast-select.ts).
  return positionReads.run(ctx.runner, `positions:${region !== undefined}`,
    () => ctx.runner.db.select().from(portfolio).where(where).orderBy(asc(portfolio.ticker), asc(portfolio.region)),
    region === undefined ? [] : [region])
}

/** One position, or undefined when nothing is held. @internal */
export async function findPosition(ctx: RepoContext, key: TickerKey): Promise<Position | undefined> {
  const { ticker, region } = checkOne('portfolio', key, tickerKeySchema(ctx.options.regions))
  const [row] = await ctx.runner.db.select().from(portfolio)
    .where(and(eq(portfolio.ticker, ticker), eq(portfolio.region, region)))
  return row
}

/** Trade history, oldest first (trade date, then the order the trades were applied). @internal */
export async function listTrades(ctx: RepoContext, options: TradeListOptions = {}): Promise<Trade[]> {
  const o = checkOne('trades', options, tradesSchema(ctx.options.regions))
  const where: SQL[] = []
  if (o.ticker !== undefined) where.push(eq(trades.ticker, o.ticker))
  if (o.region !== undefined) where.push(eq(trades.region, o.region))
  if (o.tradeType !== undefined) where.push(eq(trades.tradeType, o.tradeType))
  if (o.strategyName !== undefined) where.push(eq(trades.strategyName, o.strategyName))
  if (o.from !== undefined) where.push(gte(trades.tradeDate, o.from))
  if (o.to !== undefined) where.push(lte(trades.tradeDate, o.to))
  const query = ctx.runner.db.select().from(trades).where(and(...where)).orderBy(asc(trades.tradeDate), asc(trades.tradeId))
  if (o.limit !== undefined) query.limit(o.limit)
  return query
}
