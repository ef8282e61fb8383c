import type { Repos } from '../repos/create.js'

/**
 * The repository methods a read replica may serve, per repository; every other method (writes,
 * refreshes, anything new and unclassified) runs on the primary. A predicate sees the call's
 * arguments, for reads that write first when asked (`dailySummary({ refresh: true })`).
 *
 * Left on the primary on purpose: `portfolio.positions`, `portfolio.position` and
 * `portfolio.triggeredExits` — the state a trading decision is taken on right after
 * `markToMarket`/`applyTrade`, where a replica a second behind would answer with the old position.
 */
export const READ_METHODS: { readonly [R in keyof Repos]: Readonly<Record<string, true | ((args: readonly unknown[]) => boolean)>> } = {
  tickers: { find: true, get: true, list: true, universeAsOf: true },
  ohlcv: {
    latest: true, range: true, panel: true,
    dailySummary: (args) => !(args[0] as { refresh?: boolean } | undefined)?.refresh,
  },
  factors: { find: true, get: true, topSignals: true, latest: true, history: true, monthlyPerformance: true },
  backtests: { find: true, get: true, list: true, best: true },
  portfolio: { trades: true, snapshots: true, performance: true, sectorExposure: true },
  logs: { failures: true, errors: true },
}

/** True when `repo.method(...args)` may be served by a replica. */
export function isReplicaRead(repo: keyof Repos, method: string, args: readonly unknown[]): boolean {
  const rule = READ_METHODS[repo][method]
  return rule === true || (typeof rule === 'function' && rule(args))
}
