import type { RepoContext } from './context.js'

/** `qdb.ohlcv`: daily bars and indicators. */
export class OhlcvRepo {
  constructor(protected readonly ctx: RepoContext) {}
}
