import type { RepoContext } from '../repos/context.js'

/**
 * A server's scheduler may be refreshing the same aggregate (its policy) when we ask: TimescaleDB
 * then refuses ours at once (55P03, "due to a concurrent refresh"). Ours waits for it and runs after,
 * so that what was written before the call is covered when it returns (about 30 s at most).
 * @internal
 */
export async function refreshWaitingForScheduler(ctx: Pick<RepoContext, 'runner'>, statement: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.runner.exec(statement)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      if (code !== '55P03' || !/concurrent refresh/i.test((error as Error).message) || attempt >= 150) throw error
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

/**
 * Rebuilds a plain-mode materialized view. `ohlcv_daily_summary`'s recorded writes (migration 0003)
 * are deleted first, in the same transaction: the rebuild's snapshot is taken after the delete's, so
 * every write whose record it deleted is in the view; a write committed in between keeps its record
 * (one rebuild more later, never a stale read), and a failed rebuild rolls the delete back. Every
 * plain refresh goes through here, so that none leaves records behind that a later read would
 * rebuild the view for again.
 * @internal
 */
export async function refreshPlainView(ctx: Pick<RepoContext, 'runner'>, name: string): Promise<void> {
  if (name !== 'ohlcv_daily_summary') return ctx.runner.exec(`REFRESH MATERIALIZED VIEW ${name}`)
  const rebuild = 'DELETE FROM ohlcv_daily_summary_writes; REFRESH MATERIALIZED VIEW CONCURRENTLY ohlcv_daily_summary'
  if (ctx.runner.inTransaction) await ctx.runner.exec(rebuild)
  else await ctx.runner.transaction((tx) => tx.exec(rebuild))
}
