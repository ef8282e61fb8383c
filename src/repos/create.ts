import { BacktestRepo } from './backtests.js'
import type { RepoContext } from './context.js'
import { FactorRepo } from './factors.js'
import { LogRepo } from './logs.js'
import { OhlcvRepo } from './ohlcv.js'
import { PortfolioRepo } from './portfolio.js'
import { TickerRepo } from './tickers.js'

/** The domain repositories, all bound to one runner (the database, or one transaction). */
export interface Repos {
  readonly tickers: TickerRepo
  readonly ohlcv: OhlcvRepo
  readonly factors: FactorRepo
  readonly backtests: BacktestRepo
  readonly portfolio: PortfolioRepo
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
