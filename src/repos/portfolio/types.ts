import type { portfolioPerformance } from '../../schema/aggregates.js'
import type { PortfolioRow, PortfolioSnapshotRow, TradeRow } from '../../schema/index.js'

/** One open position (a `portfolio` row). Valuation fields are as of the last `markToMarket`. */
export type Position = PortfolioRow

/** One `trades` row. `price` is the executed price (after slippage). */
export type Trade = TradeRow

/** One `portfolio_snapshots` row. */
export type PortfolioSnapshot = PortfolioSnapshotRow

/** One entry of `PortfolioSnapshot.positions`. */
export interface SnapshotPosition {
  ticker: string
  region: string
  quantity: number
  avgBuyPrice: number
  /** `null` when the position was never marked to market (then valued at `avgBuyPrice`). */
  currentPrice: number | null
  positionValue: number
  /** Share of the invested value. */
  weight: number
}

/** What `applyTrade` wrote: the trade, and the position after it (`undefined` once closed). */
export interface TradeResult {
  trade: Trade
  position: Position | undefined
}

/** What `markToMarket` did. */
export interface MarkToMarketResult {
  /** Positions that received a price. */
  priced: number
  /** Every position after the update (weights are recomputed for all of them). */
  positions: Position[]
  /** Prices that matched no open position (ignored). */
  unmatched: { ticker: string; region: string }[]
}

/** Which limit a price crossed. */
export type ExitReason = 'stop_loss' | 'take_profit' | 'trailing_stop'

/** A risk limit crossed by a price. */
export interface TriggeredExit {
  ticker: string
  region: string
  reason: ExitReason
  /** The price that crossed it (rounded to 4 decimals). */
  price: number
  /** The limit crossed: stop-loss / take-profit price, or the trailing-stop level. */
  limit: number
}

/** One day of `portfolio_performance` (spec 8.1 query 3 over the corrected daily aggregate). */
export type PerformanceRow = typeof portfolioPerformance.$inferSelect

/** One sector of spec 8.1 query 4. */
export interface SectorExposure {
  /** `null` for tickers without a sector. */
  sector: string | null
  nStocks: number
  totalValue: number | null
  totalWeight: number | null
  avgPnlPct: number | null
}
