import type { RepoContext } from './context.js'

/** `qdb.portfolio`: positions, trades and snapshots. */
export class PortfolioRepo {
  constructor(protected readonly ctx: RepoContext) {}
}
