import { and, asc, eq, gte, lte, type SQL } from 'drizzle-orm'
import { portfolioSnapshots } from '../../schema/index.js'
import { snapshotInputSchema, snapshotRangeSchema, type SnapshotInput, type SnapshotRangeOptions } from '../../validation/portfolio.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { decimal, roundDivText } from './decimal.js'
import type { PortfolioSnapshot } from './types.js'

// One statement reads the positions (one consistent view of them), computes every figure in NUMERIC
// and upserts the day's row. Positions never marked to market are valued at their average buy price.
const SNAPSHOT_SQL = `
WITH pos AS (
  SELECT p.ticker, p.region, p.quantity, p.avg_buy_price, p.current_price,
         p.quantity * coalesce(p.current_price, p.avg_buy_price) AS value,
         coalesce(p.quantity * (p.current_price - p.avg_buy_price), 0) AS pnl,
         coalesce(t.sector, 'Unknown') AS sector
  FROM portfolio p LEFT JOIN tickers t ON t.ticker = p.ticker AND t.region = p.region
),
agg AS (SELECT coalesce(sum(value), 0) AS invested, coalesce(sum(pnl), 0) AS pnl FROM pos),
vals AS (
  SELECT $1::date AS day, round($2::numeric, 2) AS cash, round(agg.invested, 2) AS invested,
         round($2::numeric, 2) + round(agg.invested, 2) AS total, round(agg.pnl, 4) AS pnl, agg.invested AS exact_invested
  FROM agg
),
prev AS (
  SELECT total_value, cumulative_return FROM portfolio_snapshots
  WHERE snapshot_date < $1::date ORDER BY snapshot_date DESC LIMIT 1
)
INSERT INTO portfolio_snapshots (snapshot_date, total_value, cash, invested_value, unrealized_pnl,
  daily_return, cumulative_return, positions, sector_exposures, region_exposures, last_updated)
SELECT vals.day, vals.total, vals.cash, vals.invested, vals.pnl,
  CASE WHEN prev.total_value IS NULL OR prev.total_value = 0 THEN NULL
       ELSE ${roundDivText('vals.total - prev.total_value', 'prev.total_value', 6)} END,
  CASE WHEN NOT EXISTS (SELECT 1 FROM prev) THEN 0
       WHEN prev.total_value = 0 OR prev.cumulative_return IS NULL THEN NULL
       ELSE ${roundDivText('(1 + prev.cumulative_return) * vals.total - prev.total_value', 'prev.total_value', 6)} END,
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
      'ticker', ticker, 'region', region, 'quantity', quantity, 'avgBuyPrice', avg_buy_price,
      'currentPrice', current_price, 'positionValue', round(value, 2),
      'weight', ${roundDivText('value', 'vals.exact_invested', 6)}) ORDER BY ticker, region), '[]'::jsonb)
   FROM pos),
  (SELECT coalesce(jsonb_object_agg(sector, w ORDER BY sector), '{}'::jsonb)
   FROM (SELECT sector, ${roundDivText('sum(value)', 'vals.exact_invested', 6)} AS w FROM pos GROUP BY sector) x),
  (SELECT coalesce(jsonb_object_agg(region, w ORDER BY region), '{}'::jsonb)
   FROM (SELECT region, ${roundDivText('sum(value)', 'vals.exact_invested', 6)} AS w FROM pos GROUP BY region) x),
  now()
FROM vals LEFT JOIN prev ON TRUE
ON CONFLICT (snapshot_date) DO UPDATE SET
  total_value = EXCLUDED.total_value, cash = EXCLUDED.cash, invested_value = EXCLUDED.invested_value,
  unrealized_pnl = EXCLUDED.unrealized_pnl, daily_return = EXCLUDED.daily_return,
  cumulative_return = EXCLUDED.cumulative_return, positions = EXCLUDED.positions,
  sector_exposures = EXCLUDED.sector_exposures, region_exposures = EXCLUDED.region_exposures,
  last_updated = now()`

/** Writes (or rewrites) the snapshot of `snapshotDate` from the current positions and `cash`. @internal */
export async function snapshot(ctx: RepoContext, input: SnapshotInput): Promise<PortfolioSnapshot> {
  const { snapshotDate: date, cash } = checkOne('portfolio_snapshots', input, snapshotInputSchema)
  return ctx.runner.transaction(async (tx) => {
    await tx.query(SNAPSHOT_SQL, [date, decimal(cash)])
    const [row] = await tx.db.select().from(portfolioSnapshots).where(eq(portfolioSnapshots.snapshotDate, date))
    return row!
  })
}

/** Stored snapshots between `from` and `to` (inclusive), oldest first. @internal */
export async function snapshots(ctx: RepoContext, range: SnapshotRangeOptions): Promise<PortfolioSnapshot[]> {
  const { from, to } = checkOne('portfolio_snapshots', range, snapshotRangeSchema)
  const where: SQL[] = []
  if (from !== undefined) where.push(gte(portfolioSnapshots.snapshotDate, from))
  if (to !== undefined) where.push(lte(portfolioSnapshots.snapshotDate, to))
  return ctx.runner.db.select().from(portfolioSnapshots).where(and(...where)).orderBy(asc(portfolioSnapshots.snapshotDate))
}
