import type { RepoContext } from './context.js'

/** `qdb.tickers`: the ticker universe. */
export class TickerRepo {
  constructor(protected readonly ctx: RepoContext) {}
}
