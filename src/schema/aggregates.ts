import { bigint, date, numeric, pgMaterializedView, pgView, varchar } from 'drizzle-orm/pg-core'

// The aggregates are created by the custom migration (drizzle-kit does not know TimescaleDB), so
// drizzle only gets their shape here, marked `.existing()` so drizzle-kit never generates them.
// With TimescaleDB they are continuous aggregates; without it, plain materialized views the library refreshes.

const avg = (name: string) => numeric(name, { mode: 'number' })

/** Spec 4.1: per-day, per-region market statistics of daily bars. */
export const ohlcvDailySummary = pgMaterializedView('ohlcv_daily_summary', {
  day: date('day', { mode: 'string' }).notNull(),
  region: varchar('region', { length: 5 }).notNull(),
  nTickers: bigint('n_tickers', { mode: 'number' }).notNull(),
  avgClose: avg('avg_close'),
  avgVolume: avg('avg_volume'),
  totalVolume: avg('total_volume'),
  avgRsi: avg('avg_rsi'),
  avgAtr: avg('avg_atr'),
}).existing()

/** Spec 4.2: per-month, per-region, per-signal factor statistics. */
export const factorMonthlyPerformance = pgMaterializedView('factor_monthly_performance', {
  month: date('month', { mode: 'string' }).notNull(),
  region: varchar('region', { length: 5 }).notNull(),
  signal: varchar('signal', { length: 10 }),
  nStocks: bigint('n_stocks', { mode: 'number' }).notNull(),
  avgScore: avg('avg_score'),
  avgPe: avg('avg_pe'),
  avgMomentum: avg('avg_momentum'),
  avgRoe: avg('avg_roe'),
  avgVolatility: avg('avg_volatility'),
}).existing()

/**
 * Spec 4.3, corrected (docs/spec-corrections.md 2): the aggregate is a daily bucket holding the day's last snapshot;
 * the rolling statistics live in the plain view `portfolio_performance` on top of it.
 */
export const portfolioDailyMetrics = pgMaterializedView('portfolio_daily_metrics', {
  day: date('day', { mode: 'string' }).notNull(),
  totalValue: avg('total_value'),
  cash: avg('cash'),
  investedValue: avg('invested_value'),
  unrealizedPnl: avg('unrealized_pnl'),
  dailyReturn: avg('daily_return'),
  cumulativeReturn: avg('cumulative_return'),
}).existing()

/** Rolling 30-day means and 60-day volatility over `portfolio_daily_metrics` (spec 8.1, query 3). */
export const portfolioPerformance = pgView('portfolio_performance', {
  day: date('day', { mode: 'string' }).notNull(),
  totalValue: avg('total_value'),
  cash: avg('cash'),
  investedValue: avg('invested_value'),
  unrealizedPnl: avg('unrealized_pnl'),
  dailyReturn: avg('daily_return'),
  cumulativeReturn: avg('cumulative_return'),
  ma30Value: avg('ma30_value'),
  ma30Return: avg('ma30_return'),
  volatility60d: avg('volatility_60d'),
}).existing()
