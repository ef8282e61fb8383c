import postgres from 'postgres'
import { expect, it } from 'vitest'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { forEachTarget } from '../helpers/targets.js'

// A recomputeIndicators group that the server aborts in a deadlock (on a TimescaleDB server, e.g. with
// the compression job taking a chunk while the group updates it) is redone: the failed attempt was
// rolled back whole. Here the deadlock is made on purpose by a second session.

const market = syntheticMarket({ seed: 53, tickers: 3, days: 40, regions: ['KR'], start: '2026-09-01' })

forEachTarget('recomputeIndicators and a deadlock', (target, db) => {
  it.skipIf(!target.remote)(`redoes the group the server aborted, and stores the right values${target.remote ? '' : ' (skipped: the embedded engine is one connection, no second session can deadlock with it)'}`, async () => {
    await db().ohlcv.upsert(market.bars)
    const url = db().url!
    const other = postgres(url, { max: 1, onnotice: () => {} })
    const watch = postgres(url, { max: 1, onnotice: () => {} })
    try {
      const deadlocks = async () => Number((await watch`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`)[0]!['deadlocks'])
      const before = await deadlocks()
      const session = await other.reserve()
      // This session waits 10 s before it looks for a deadlock; the library's, 1 s: the recompute is the
      // side the server aborts.
      await session`SET deadlock_timeout = '10s'`
      await session`BEGIN`
      await session`LOCK TABLE ohlcv_indicator_state IN SHARE MODE`
      const recompute = db().ohlcv.recomputeIndicators({ region: 'KR' })
      // The group has updated ohlcv_data and now waits to write its checkpoints.
      for (let i = 0; ; i++) {
        const [w] = await watch`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'ohlcv_indicator_state'::regclass AND NOT granted`
        if (w!['n'] > 0) break
        if (i > 200) throw new Error('the recompute never waited for the checkpoints table')
        await new Promise((r) => setTimeout(r, 25))
      }
      // This session now waits for the group's lock on ohlcv_data: a cycle; the group's side is aborted.
      await session`LOCK TABLE ohlcv_data IN SHARE MODE`
      await session`COMMIT`
      session.release()
      const result = await recompute
      expect(await deadlocks()).toBeGreaterThan(before)
      // Every bar but each ticker's first 4, where no indicator is defined yet (ma5 is the first, on day 5).
      expect(result.updated).toBe(market.bars.length - 4 * market.tickers.length)
      // ma5 of each ticker's last day: the mean of its last 5 closes, worked out here.
      for (const { ticker } of market.tickers) {
        const closes = market.bars.filter((b) => b.ticker === ticker).map((b) => b.close)
        const mean = closes.slice(-5).reduce((s, c) => s + c, 0) / 5
        const [row] = await db().ohlcv.recent({ ticker, region: 'KR', limit: 1 })
        expect(row!.ma5).toBeCloseTo(mean, 6)
      }
    } finally {
      await other.end()
      await watch.end()
    }
  })
})
