import type { Repos } from '../repos/create.js'

/**
 * The repository methods a read replica may serve, per repository; every other method (writes,
 * refreshes, anything new and unclassified) runs on the primary. A predicate sees the call's
 * arguments, for the aggregate reads, which may refresh unless `refresh: false` (always, or when stale
 * for `ohlcv.dailySummary`; a refresh is a write, and a replica's staleness is not the primary's):
 * only those asked not to refresh go to a replica.
 *
 * Left on the primary on purpose: `portfolio.positions`, `portfolio.findPosition`/`getPosition` and
 * `portfolio.triggeredExits` — the state a trading decision is taken on right after
 * `markToMarket`/`applyTrade`, where a replica a second behind would answer with the old position.
 */
const withoutRefresh = (args: readonly unknown[]): boolean => (args[0] as { refresh?: boolean } | undefined)?.refresh === false

/**
 * The repository methods that may run on a replica (reads with no write), per repository: the others always run
 * on the primary.
 */
export const READ_METHODS: { readonly [R in keyof Repos]: Readonly<Record<string, true | ((args: readonly unknown[]) => boolean)>> } = {
  tickers: { find: true, get: true, list: true, universeAsOf: true },
  ohlcv: {
    recent: true, range: true, panel: true,
    dailySummary: withoutRefresh,
  },
  factors: { find: true, get: true, topSignals: true, latest: true, history: true, monthlyPerformance: withoutRefresh },
  backtests: { find: true, get: true, list: true, best: true },
  portfolio: { trades: true, snapshots: true, performance: withoutRefresh, sectorExposure: true },
  logs: { failures: true, errors: true },
}

/** True when `repo.method(...args)` may be served by a replica. */
export function isReplicaRead(repo: keyof Repos, method: string, args: readonly unknown[]): boolean {
  const rule = READ_METHODS[repo][method]
  return rule === true || (typeof rule === 'function' && rule(args))
}
