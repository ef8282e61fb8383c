import { BacktestRepo } from './backtests.js'
import type { RepoContext } from './context.js'
import { FactorRepo } from './factors.js'
import { LogRepo } from './logs.js'
import { OhlcvRepo } from './ohlcv.js'
import { PortfolioRepo } from './portfolio.js'
import { TickerRepo } from './tickers.js'

/** The domain repositories, all bound to one runner (the database, or one transaction). */
export interface Repos {
  /** The ticker universe: upsert, find/get, list, delist, universeAsOf, purge. */
  readonly tickers: TickerRepo
  /** Daily bars: upsert, recent, range, panel, dailySummary, recomputeIndicators. */
  readonly ohlcv: OhlcvRepo
  /** Factor scores: upsert, find/get, latest, history, topSignals, monthlyPerformance. */
  readonly factors: FactorRepo
  /** Backtest results: save, get, list, best. */
  readonly backtests: BacktestRepo
  /** Positions, trades and snapshots: applyTrade, markToMarket, triggeredExits, snapshot, performance. */
  readonly portfolio: PortfolioRepo
  /** API and system logs: api, system, failures, a batching system-log writer. */
  readonly logs: LogRepo
}

/**
 * Builds every repository on one context (a runner and the settings): what `createQuantDb` and
 * `qdb.transaction` use. Not part of the public API (no consumer can build a runner).
 * @internal
 */
export function createRepos(ctx: RepoContext): Repos {
  return {
    tickers: new TickerRepo(ctx),
    ohlcv: new OhlcvRepo(ctx),
    factors: new FactorRepo(ctx),
    backtests: new BacktestRepo(ctx),
    portfolio: new PortfolioRepo(ctx),
    logs: new LogRepo(ctx),
  }
}
