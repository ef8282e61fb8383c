import { and, asc, gte, lte, type SQL } from 'drizzle-orm'
import { portfolioPerformance } from '../../schema/index.js'
import { performanceOptionsSchema, type PerformanceOptions } from '../../validation/portfolio.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import type { PerformanceRow, SectorExposure } from './types.js'
import { refreshWaitingForScheduler } from '../../internal/refresh.js'

/**
 * Brings `portfolio_daily_metrics` up to date with `portfolio_snapshots`. With TimescaleDB that is
 * `refresh_continuous_aggregate`, which PostgreSQL refuses inside a transaction block: there it is
 * skipped and the aggregate is read as last materialized. A plain materialized view refreshes anywhere.
 * Returns whether it refreshed.
 * @internal
 */
export async function refreshDailyMetrics(ctx: RepoContext): Promise<boolean> {
  if (ctx.capabilities.timescale) {
    if (ctx.runner.inTransaction) return false
    await refreshWaitingForScheduler(ctx, `CALL refresh_continuous_aggregate('portfolio_daily_metrics', NULL, NULL)`)
  } else {
    await ctx.runner.exec('REFRESH MATERIALIZED VIEW portfolio_daily_metrics')
  }
  return true
}

/** Spec 8.1 query 3 over the corrected aggregate: the `portfolio_performance` view between two days. @internal */
export async function performance(ctx: RepoContext, options: PerformanceOptions): Promise<PerformanceRow[]> {
  const o = checkOne('portfolio_daily_metrics', options, performanceOptionsSchema)
  if (o.refresh !== false) await refreshDailyMetrics(ctx)
  // The rolling windows are computed over the whole view before the days are filtered (a filter on
  // `day` cannot be pushed below the window functions), so the first days of the range still see
  // the 29 / 59 rows before them.
  const where: SQL[] = []
  if (o.from !== undefined) where.push(gte(portfolioPerformance.day, o.from))
  if (o.to !== undefined) where.push(lte(portfolioPerformance.day, o.to))
  return ctx.runner.db.select().from(portfolioPerformance).where(and(...where)).orderBy(asc(portfolioPerformance.day))
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v))

/** Spec 8.1 query 4; sectors whose positions were never priced (no value) come last. @internal */
export async function sectorExposure(ctx: RepoContext): Promise<SectorExposure[]> {
  const rows = await ctx.runner.query<{
    sector: string | null; n_stocks: string | number; total_value: string | null; total_weight: string | null; avg_pnl_pct: string | null
  }>(
    `SELECT t.sector, COUNT(*) AS n_stocks, SUM(p.position_value) AS total_value,
            SUM(p.weight) AS total_weight, AVG(p.unrealized_pnl_pct) AS avg_pnl_pct
     FROM portfolio p
     JOIN tickers t ON p.ticker = t.ticker AND p.region = t.region
     WHERE p.quantity > 0
     GROUP BY t.sector
     ORDER BY total_value DESC NULLS LAST, t.sector`,
  )
  return rows.map((r) => ({
    sector: r.sector,
    nStocks: Number(r.n_stocks),
    totalValue: num(r.total_value),
    totalWeight: num(r.total_weight),
    avgPnlPct: num(r.avg_pnl_pct),
  }))
}
