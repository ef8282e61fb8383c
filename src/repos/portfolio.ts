import { NotFoundError } from '../errors.js'
import type { TickerKey } from '../validation/factors.js'
import type {
  MarkPrices, PerformanceOptions, PositionListOptions, RiskLimitsInput, SnapshotInput, SnapshotRangeOptions, TradeInput,
  TradeListOptions,
} from '../validation/portfolio.js'
import type { RepoContext } from './context.js'
import { applyTrade } from './portfolio/apply-trade.js'
import { markToMarket } from './portfolio/mark-to-market.js'
import { performance, sectorExposure } from './portfolio/performance.js'
import { findPosition, listPositions, listTrades } from './portfolio/queries.js'
import { setRiskLimits, triggeredExits } from './portfolio/risk-limits.js'
import { snapshot, snapshots } from './portfolio/snapshot.js'
import type {
  MarkToMarketResult, PerformanceRow, PortfolioSnapshot, Position, SectorExposure, Trade, TradeResult, TriggeredExit,
} from './portfolio/types.js'

export type {
  MarkPrice, MarkPrices, PerformanceOptions, PositionListOptions, RiskLimitsInput, SnapshotInput, SnapshotRangeOptions, TradeInput,
  TradeListOptions,
} from '../validation/portfolio.js'
export { priceKey } from '../validation/portfolio.js'
export type * from './portfolio/types.js'

/**
 * `qdb.portfolio`: positions, trades, valuation, risk limits, snapshots and performance.
 *
 * Money arithmetic runs in SQL NUMERIC (exact decimal) inside the database transaction, rounded once
 * to each column's scale, half away from zero; the conventions (slippage, commission, average cost,
 * realized PnL) are in docs/portfolio-arithmetic.md. Numbers come back as JS `number`s: exact up to
 * 15 significant digits, which NUMERIC(18, 4) values beyond 10^11 exceed.
 */
export class PortfolioRepo {
  /** The database or transaction and the settings this repository works with. @internal */
  protected readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

  /**
   * Open positions, ordered by ticker and region.
   * @example
   * ```ts
   * const kr = await qdb.portfolio.positions({ region: 'KR' })
   * ```
   */
  positions(options: PositionListOptions = {}): Promise<Position[]> {
    return listPositions(this.ctx, options)
  }

  /**
   * The position held in one ticker, or `undefined` when nothing is held.
   * @example
   * ```ts
   * const p = await qdb.portfolio.findPosition({ ticker: '005930', region: 'KR' })
   * ```
   */
  findPosition(key: TickerKey): Promise<Position | undefined> {
    return findPosition(this.ctx, key)
  }

  /**
   * The position held in one ticker; throws NotFoundError carrying `{ ticker, region }` when nothing is held.
   * @example
   * ```ts
   * const { quantity, avgBuyPrice } = await qdb.portfolio.getPosition({ ticker: '005930', region: 'KR' })
   * ```
   */
  async getPosition(key: TickerKey): Promise<Position> {
    const row = await findPosition(this.ctx, key)
    if (!row) throw new NotFoundError('portfolio', { ticker: key.ticker, region: key.region })
    return row
  }

  /**
   * Trade history, oldest first.
   * @example
   * ```ts
   * const sells = await qdb.portfolio.trades({ ticker: '005930', region: 'KR', tradeType: 'SELL' })
   * ```
   */
  trades(options: TradeListOptions = {}): Promise<Trade[]> {
    return listTrades(this.ctx, options)
  }

  /**
   * Applies one execution in one transaction (a savepoint inside `qdb.transaction`): writes the
   * `trades` row and moves the position, whose row is locked so concurrent calls serialize.
   *
   * - Executed price = price × (1 ± slippageBps/10000), against the trader, rounded to 4 decimals;
   *   it is what `trades.price` stores. `total_amount` = quantity × executed price (2 decimals).
   * - BUY: quantity rises; avg_buy_price = (held × avg + quantity × executed + commission) / (held + quantity),
   *   4 decimals (commission is part of the cost). `entry_date` stays the date of the opening buy.
   * - SELL: rejected with a ValidationError on `quantity` when more than is held (nothing written).
   *   realized_pnl = quantity × executed − commission − quantity × avg (4 decimals),
   *   realized_pnl_pct = realized_pnl / (quantity × avg) (6 decimals), hold_days = trade date − entry date.
   *   The average is unchanged; at zero the position row is deleted (closed), the trades keep its history.
   * - A ticker missing from `tickers` is a ValidationError on `ticker`.
   *
   * @example
   * ```ts
   * const { trade, position } = await qdb.portfolio.applyTrade({
   *   ticker: '005930', region: 'KR', tradeDate: '2024-03-04', tradeType: 'BUY',
   *   quantity: 10, price: 72_000, commission: 108, slippageBps: 5,
   * })
   * ```
   */
  applyTrade(trade: TradeInput): Promise<TradeResult> {
    return applyTrade(this.ctx, trade)
  }

  /**
   * Values the positions at `prices` (one transaction, one UPDATE for all): current_price,
   * unrealized_pnl = qty × (price − avg) (4 decimals), unrealized_pnl_pct = (price − avg) / avg (6),
   * position_value = qty × price (2), and every position's weight = its value / the total (6).
   * A position without a price keeps its last price, and counts in the weights at that price (at its
   * average buy price if it was never priced). Prices of tickers not held are returned in `unmatched`.
   * The table records when it was priced (`last_updated`), not a pricing date: none is asked for.
   *
   * @example
   * ```ts
   * await qdb.portfolio.markToMarket([{ ticker: '005930', region: 'KR', price: 74_500 }])
   * await qdb.portfolio.markToMarket(new Map([['AAPL:US', 189.5]]))
   * ```
   */
  markToMarket(prices: MarkPrices): Promise<MarkToMarketResult> {
    return markToMarket(this.ctx, prices)
  }

  /**
   * Sets, clears (`null`) or keeps (omitted) a position's stop-loss price, take-profit price and
   * trailing-stop distance (a fraction: 0.1 = 10% below the high-water mark). Limits live on the
   * position row, so closing the position drops them. NotFoundError when nothing is held.
   *
   * @example
   * ```ts
   * await qdb.portfolio.setRiskLimits({ ticker: '005930', region: 'KR', stopLossPrice: 65_000, trailingStopDistance: 0.1 })
   * ```
   */
  setRiskLimits(limits: RiskLimitsInput): Promise<Position> {
    return setRiskLimits(this.ctx, limits)
  }

  /**
   * The limits crossed by `prices`, one entry per crossed limit: stop-loss (price <= stop_loss_price),
   * take-profit (price >= take_profit_price), trailing stop (price <= round(high × (1 − distance), 4)),
   * where high is the highest of: the daily closes in `ohlcv_data` since the entry date, the last
   * marked price, the average buy price and the price given. Nothing is written.
   *
   * @example
   * ```ts
   * for (const exit of await qdb.portfolio.triggeredExits(latestPrices)) sell(exit.ticker, exit.region)
   * ```
   */
  triggeredExits(prices: MarkPrices): Promise<TriggeredExit[]> {
    return triggeredExits(this.ctx, prices)
  }

  /**
   * Writes the `portfolio_snapshots` row of `snapshotDate` (replacing one already there) from the current
   * positions: invested = Σ qty × current price (average buy price when never priced), total = cash +
   * invested, unrealized PnL, daily return against the latest snapshot before `date` (null for the
   * first), cumulative return compounded from it (0 for the first), and positions, sector and region
   * weights (shares of the invested value; a ticker without sector counts as 'Unknown') as JSON.
   * Snapshots after `snapshotDate` are not recomputed.
   *
   * @example
   * ```ts
   * await qdb.portfolio.markToMarket(closes)
   * await qdb.portfolio.snapshot({ snapshotDate: '2024-03-05', cash: 12_500_000 })
   * ```
   */
  snapshot(input: SnapshotInput): Promise<PortfolioSnapshot> {
    return snapshot(this.ctx, input)
  }

  /**
   * Stored snapshots, oldest first, between `from` and `to` (inclusive, both optional).
   * @example
   * ```ts
   * const march = await qdb.portfolio.snapshots({ from: '2024-03-01', to: '2024-03-31' })
   * ```
   */
  snapshots(range: SnapshotRangeOptions = {}): Promise<PortfolioSnapshot[]> {
    return snapshots(this.ctx, range)
  }

  /**
   * Spec 8.1 query 3 on the corrected aggregate: per day, total value and returns with the 30-row
   * moving averages (`ma30Value`, `ma30Return`) and the 60-row sample standard deviation of daily
   * returns (`volatility60d`), from the `portfolio_performance` view. First refreshes the
   * `portfolio_daily_metrics` aggregate (skip with `refresh: false`); inside a transaction with
   * TimescaleDB the refresh cannot run, and the aggregate is read as last refreshed.
   *
   * @example
   * ```ts
   * const year = await qdb.portfolio.performance({ from: '2024-01-01', to: '2024-12-31' })
   * ```
   */
  performance(options: PerformanceOptions = {}): Promise<PerformanceRow[]> {
    return performance(this.ctx, options)
  }

  /**
   * Spec 8.1 query 4: per sector, the number of positions, Σ position_value, Σ weight and the mean
   * unrealized PnL percent, largest value first (as of the last `markToMarket`).
   *
   * @example
   * ```ts
   * console.table(await qdb.portfolio.sectorExposure())
   * ```
   */
  sectorExposure(): Promise<SectorExposure[]> {
    return sectorExposure(this.ctx)
  }
}
