import { and, eq, sql } from 'drizzle-orm'
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core'
import { NotFoundError } from '../../errors.js'
import { portfolio } from '../../schema/index.js'
import { checkMarkPrices, riskLimitsSchema, type MarkPrices, type RiskLimitsInput } from '../../validation/portfolio.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { perRegions } from '../../internal/fast-select.js'

const limitsSchema = perRegions(riskLimitsSchema)
import { decimal } from './decimal.js'
import type { ExitReason, Position, TriggeredExit } from './types.js'

/** Sets (number), clears (null) or keeps (omitted) each limit of one position. @internal */
export async function setRiskLimits(ctx: RepoContext, limits: RiskLimitsInput): Promise<Position> {
  const l = checkOne('portfolio', limits, limitsSchema(ctx.options.regions))
  const { ticker, region } = l
  const set: PgUpdateSetSource<typeof portfolio> = { lastUpdated: sql`now()` }
  // Prices go as decimal text so the column rounds the number the caller wrote, not its double.
  const value = (v: number | null) => (v === null ? null : sql`${decimal(v)}::numeric`)
  if (l.stopLossPrice !== undefined) set.stopLossPrice = value(l.stopLossPrice)
  if (l.takeProfitPrice !== undefined) set.takeProfitPrice = value(l.takeProfitPrice)
  if (l.trailingStopDistance !== undefined) set.trailingStopDistance = value(l.trailingStopDistance)
  const [row] = await ctx.runner.db.update(portfolio).set(set)
    .where(and(eq(portfolio.ticker, ticker), eq(portfolio.region, region)))
    .returning()
  if (!row) throw new NotFoundError('portfolio', { ticker, region })
  return row
}

// The trailing stop's high-water mark: the highest of the daily closes since entry (ohlcv_data),
// the last marked price, the average buy price and the incoming price. Without bars it falls back
// to the other three; the average buy price stands in for the price paid at entry.
const EXITS_SQL = `
WITH px AS (
  SELECT x.ticker, x.region, round(x.price, 4) AS price
  FROM json_to_recordset($1::json) AS x(ticker text, region text, price numeric)
),
pos AS (
  SELECT p.ticker, p.region, px.price, p.stop_loss_price, p.take_profit_price,
         round(greatest(px.price, p.current_price, p.avg_buy_price, h.max_close) * (1 - p.trailing_stop_distance), 4) AS trail
  FROM portfolio p
  JOIN px ON px.ticker = p.ticker AND px.region = p.region
  LEFT JOIN LATERAL (
    SELECT max(o.close) AS max_close FROM ohlcv_data o
    WHERE p.trailing_stop_distance IS NOT NULL
      AND o.ticker = p.ticker AND o.region = p.region AND o.timeframe = 'daily' AND o.date >= p.entry_date
  ) h ON TRUE
)
SELECT ticker, region, 'stop_loss' AS reason, price::text AS price, stop_loss_price::text AS level
  FROM pos WHERE price <= stop_loss_price
UNION ALL
SELECT ticker, region, 'take_profit', price::text, take_profit_price::text
  FROM pos WHERE price >= take_profit_price
UNION ALL
SELECT ticker, region, 'trailing_stop', price::text, trail::text
  FROM pos WHERE price <= trail
ORDER BY 1, 2, 3`

/**
 * Every limit the given prices cross: stop-loss when price <= stop_loss_price, take-profit when
 * price >= take_profit_price, trailing stop when price <= high-water mark × (1 − distance).
 * A position crossing several limits appears once per limit. Prices of positions not held are ignored.
 * @internal
 */
export async function triggeredExits(ctx: RepoContext, prices: MarkPrices): Promise<TriggeredExit[]> {
  const rows = checkMarkPrices('portfolio', prices, ctx.options.regions)
  if (rows.length === 0) return []
  const found = await ctx.runner.query<{ ticker: string; region: string; reason: ExitReason; price: string; level: string }>(
    EXITS_SQL, [JSON.stringify(rows)])
  return found.map((r) => ({ ticker: r.ticker, region: r.region, reason: r.reason, price: Number(r.price), limit: Number(r.level) }))
}
