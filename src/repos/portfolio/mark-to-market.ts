import { asc } from 'drizzle-orm'
import { portfolio } from '../../schema/index.js'
import { checkMarkPrices, priceKey, type MarkPrices } from '../../validation/portfolio.js'
import type { RepoContext } from '../context.js'
import { roundDivText } from './decimal.js'
import type { MarkToMarketResult } from './types.js'

// The prices travel as one JSON parameter and are joined in SQL (json_to_recordset): one statement
// for any number of positions, no bound-parameter limit, and JSON numbers parse to NUMERIC exactly.
const MARK_SQL = `
WITH px AS (
  SELECT x.ticker, x.region, round(x.price, 4) AS price
  FROM json_to_recordset($1::json) AS x(ticker text, region text, price numeric)
),
v AS (
  SELECT p.portfolio_id, p.quantity, p.avg_buy_price,
         coalesce(px.price, p.current_price) AS cur,
         -- the value weights are taken from: new price, else last price, else cost (never marked)
         p.quantity * coalesce(px.price, p.current_price, p.avg_buy_price) AS weight_value
  FROM portfolio p LEFT JOIN px ON px.ticker = p.ticker AND px.region = p.region
),
tot AS (SELECT sum(weight_value) AS total FROM v)
UPDATE portfolio p SET
  current_price = v.cur,
  unrealized_pnl = round(v.quantity * (v.cur - v.avg_buy_price), 4),
  unrealized_pnl_pct = ${roundDivText('v.cur - v.avg_buy_price', 'v.avg_buy_price', 6)},
  position_value = round(v.quantity * v.cur, 2),
  weight = ${roundDivText('v.weight_value', 'tot.total', 6)},
  last_updated = now()
FROM v, tot
WHERE p.portfolio_id = v.portfolio_id`

/**
 * Prices every position that has a price, and recomputes every position's weight, in one transaction:
 * the rows are locked first (in id order, so two calls cannot deadlock), then one UPDATE does the
 * arithmetic of docs/portfolio-arithmetic.md.
 * @internal
 */
export async function markToMarket(ctx: RepoContext, prices: MarkPrices): Promise<MarkToMarketResult> {
  const rows = checkMarkPrices('portfolio', prices, ctx.options.regions)
  return ctx.runner.transaction(async (tx) => {
    await tx.query('SELECT portfolio_id FROM portfolio ORDER BY portfolio_id FOR UPDATE')
    await tx.query(MARK_SQL, [JSON.stringify(rows)])
    const positions = await tx.db.select().from(portfolio).orderBy(asc(portfolio.ticker), asc(portfolio.region))
    const held = new Set(positions.map((p) => priceKey(p.ticker, p.region)))
    const unmatched = rows.filter((r) => !held.has(priceKey(r.ticker, r.region))).map(({ ticker, region }) => ({ ticker, region }))
    return { priced: rows.length - unmatched.length, positions, unmatched }
  })
}
