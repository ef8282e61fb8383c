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
