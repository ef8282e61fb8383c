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
  /** The ticker code. */
  ticker: string
  /** The ticker's region. */
  region: string
  /** Shares held. */
  quantity: number
  /** Average cost per share, commissions capitalized (money). */
  avgBuyPrice: number
  /** `null` when the position was never marked to market (then valued at `avgBuyPrice`). */
  currentPrice: number | null
  /** Quantity x current price, in money (the cost basis when unpriced). */
  positionValue: number
  /** Share of the invested value. */
  weight: number
}

/** What `applyTrade` wrote: the trade, and the position after it (`undefined` once closed). */
export interface TradeResult {
  /** The trade as stored (executed price after slippage, amounts, realized PnL of a SELL). */
  trade: Trade
  /** The position after the trade; undefined once a SELL closed it. */
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
  /** The ticker code. */
  ticker: string
  /** The ticker's region. */
  region: string
  /** Which limit was crossed: `stop_loss`, `take_profit` or `trailing_stop`. */
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
  /** Open positions in the sector. */
  nStocks: number
  /** Sum of the positions' `positionValue` (money, at the last mark), or null when none is priced. */
  totalValue: number | null
  /** Sum of the positions' weights (a fraction of the portfolio), or null when none is priced. */
  totalWeight: number | null
  /** Mean unrealized PnL of the positions, as a fraction (0.05 = +5%), or null when none is priced. */
  avgPnlPct: number | null
}
