import type { RepoContext } from './context.js'

/** `qdb.backtests`: backtest results. */
export class BacktestRepo {
  constructor(protected readonly ctx: RepoContext) {}
}
