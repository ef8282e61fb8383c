import { expect, it } from 'vitest'
import { NotFoundError, ValidationError } from '../../src/index.js'
import type { BacktestInput } from '../../src/repos/backtests.js'
import { forEachTarget } from '../helpers/targets.js'

const full: BacktestInput = {
  strategyName: 'momentum_v2', region: 'KR', simulationDate: new Date('2024-06-28T09:30:00.000Z'),
  startDate: '2020-01-02', endDate: '2023-12-28',
  // 100,000,000 → 142,000,000: total return 42,000,000 / 100,000,000 = 0.42.
  initialCapital: 100_000_000, finalCapital: 142_000_000, totalReturn: 0.42, annualReturn: 0.092_123,
  sharpeRatio: 1.3145, sortinoRatio: 1.8721, maxDrawdown: 0.183_456, winRate: 0.56,
  totalTrades: 250, winningTrades: 140, losingTrades: 110, avgWin: 1_250_000.5, avgLoss: -830_000.25,
  strategyParams: { lookback: 252, topN: 20, universe: ['KOSPI', 'KOSDAQ'], filters: { minMarketCap: 1e11, excludeSectors: [] } },
  rebalanceFrequency: 'monthly', transactionCostBps: 15.5,
  trades: [
    { date: '2020-01-02', ticker: '005930', side: 'BUY', quantity: 100, price: 55_200, commission: 828 },
    { date: '2020-03-19', ticker: '005930', region: 'KR', side: 'SELL', quantity: 100, price: 42_950, commission: 644.25, pnl: -1_226_472.25, reason: 'stop loss' },
  ],
}

const run = (strategyName: string, at: string, patch: Partial<BacktestInput> = {}): BacktestInput => ({
  strategyName, region: 'KR', simulationDate: new Date(at), startDate: '2021-01-04', endDate: '2021-12-30', initialCapital: 1_000_000, ...patch,
})

forEachTarget('backtests', (_target, db) => {
  it('saves every column and reads it back, trade log and parameters as typed JSON', async () => {
    const id = await db().backtests.save(full)
    expect(Number.isInteger(id)).toBe(true)
    const stored = await db().backtests.get(id)
    expect(stored).toMatchObject({ ...full, backtestId: id })
    expect(stored.trades).toEqual(full.trades)
    expect(stored.strategyParams).toEqual(full.strategyParams)
    expect(stored.lastUpdated).toBeInstanceOf(Date)

    // simulationDate defaults to the moment of the call; omitted metrics are NULL.
    const before = Date.now()
    const minimal = await db().backtests.get(await db().backtests.save({ strategyName: 'minimal', region: 'US', startDate: '2024-01-02', endDate: '2024-01-03', initialCapital: 10_000 }))
    expect(minimal.simulationDate.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(minimal).toMatchObject({ finalCapital: null, sharpeRatio: null, trades: null, strategyParams: null })
  })

  it('find returns undefined and get throws NotFoundError carrying the id', async () => {
    expect(await db().backtests.find(987_654)).toBeUndefined()
    const e = await db().backtests.get(987_654).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NotFoundError)
    expect((e as NotFoundError).key).toEqual({ backtestId: 987_654 })
    await expect(db().backtests.find(-1)).rejects.toBeInstanceOf(ValidationError)
  })

  it('rejects inconsistent results naming the field, and writes nothing', async () => {
    const cases: [Partial<BacktestInput> & Record<string, unknown>, string][] = [
      [{ endDate: '2020-01-02' }, 'endDate'],
      [{ winningTrades: 200 }, 'winningTrades'],
      [{ initialCapital: -5 }, 'initialCapital'],
      [{ totalReturn: 42 }, 'totalReturn'],
      [{ maxDrawdown: -0.18 }, 'maxDrawdown'],
      [{ winRate: 1.5 }, 'winRate'],
      [{ sharpeRatio: 1e6 }, 'sharpeRatio'],
      [{ region: 'EU' }, 'region'],
      [{ trades: [{ date: '2019-12-31', ticker: '005930', side: 'BUY', quantity: 1, price: 1 }] }, 'trades.0.date'],
      [{ trades: [{ date: '2020-01-02', ticker: '005930', side: 'BUY', quantity: 1, price: 1, venue: 'KRX' }] as never }, 'trades.0'],
      [{ strategyParams: { cutoff: Number.POSITIVE_INFINITY } }, 'strategyParams'],
      [{ strategyName: 'x'.repeat(101) }, 'strategyName'],
      [{ endDate: '2019-12-31' }, 'endDate'], // before the start
      [{ startDate: '2020-1-2' }, 'startDate'],
      [{ initialCapital: 0 }, 'initialCapital'], // capital must be positive
      [{ finalCapital: -1, totalReturn: null }, 'finalCapital'],
      [{ losingTrades: 251, winningTrades: null }, 'losingTrades'], // more losers than trades
      [{ winningTrades: 141 }, 'winningTrades'], // 141 + 110 = 251 > 250
      [{ totalTrades: 250.5 }, 'totalTrades'],
      [{ transactionCostBps: -1 }, 'transactionCostBps'],
      [{ simulationDate: new Date('not a date') }, 'simulationDate'],
      [{ trades: [{ date: '2020-01-02', ticker: '005930', side: 'HOLD', quantity: 1, price: 1 }] as never }, 'trades.0.side'],
      [{ trades: [{ date: '2020-01-02', ticker: '005930', side: 'BUY', quantity: 0, price: 1 }] }, 'trades.0.quantity'],
      [{ trades: [{ date: '2020-01-02', ticker: '005930', side: 'BUY', quantity: 1, price: 1, region: 'EU' }] }, 'trades.0.region'],
      [{ strategyParams: { since: new Date('2020-01-01') } as never }, 'strategyParams'],
    ]
    for (const [patch, field] of cases) {
      const e = await db().backtests.save({ ...full, strategyName: 'rejected', ...patch }).catch((x: unknown) => x)
      expect(e, JSON.stringify(patch)).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).issues[0], JSON.stringify(patch)).toMatchObject({ row: 0, field })
      expect((e as ValidationError).message).toContain(`row 0, field '${field}'`)
    }
    // Consistent edge values are accepted: everything lost (final capital 0, return −100%), no trades.
    const lost = await db().backtests.save({ ...full, strategyName: 'edge', finalCapital: 0, totalReturn: -1, totalTrades: 0, winningTrades: 0, losingTrades: 0, trades: [] })
    expect(await db().backtests.get(lost)).toMatchObject({ finalCapital: 0, totalReturn: -1, totalTrades: 0, trades: [] })
    const [count] = await db().query<{ n: string | number }>(`SELECT count(*) AS n FROM backtest_results WHERE strategy_name = 'rejected'`)
    expect(Number(count!.n)).toBe(0)
  })

  it('lists by strategy, region and simulation time, newest first, without the trade logs', async () => {
    const ids = {
      jan: await db().backtests.save(run('list_a', '2024-01-15T03:00:00Z', { trades: [{ date: '2021-02-01', ticker: 'X', side: 'BUY', quantity: 1, price: 1 }] })),
      feb: await db().backtests.save(run('list_a', '2024-02-15T03:00:00Z')),
      mar: await db().backtests.save(run('list_a', '2024-03-15T03:00:00Z')),
      us: await db().backtests.save(run('list_a', '2024-02-20T03:00:00Z', { region: 'US' })),
      other: await db().backtests.save(run('list_b', '2024-02-16T03:00:00Z')),
    }
    const all = await db().backtests.list({ strategyName: 'list_a' })
    expect(all.map((b) => b.backtestId)).toEqual([ids.mar, ids.us, ids.feb, ids.jan])
    expect(all[0]).not.toHaveProperty('trades')
    expect((await db().backtests.list({ strategyName: 'list_a', region: 'KR' })).map((b) => b.backtestId)).toEqual([ids.mar, ids.feb, ids.jan])
    // Dates are whole days in the session time zone (Asia/Seoul); Dates are instants.
    const feb = await db().backtests.list({ strategyName: 'list_a', region: 'KR', from: '2024-02-01', to: '2024-02-29' })
    expect(feb.map((b) => b.backtestId)).toEqual([ids.feb])
    const since = await db().backtests.list({ region: 'KR', from: new Date('2024-02-15T03:00:00Z'), to: new Date('2024-02-16T03:00:00Z') })
    expect(since.map((b) => b.backtestId)).toEqual([ids.other, ids.feb])
    expect((await db().backtests.list({ strategyName: 'list_a', limit: 2, offset: 1 })).map((b) => b.backtestId)).toEqual([ids.us, ids.feb])
    await expect(db().backtests.list({ from: 'last week' })).rejects.toBeInstanceOf(ValidationError)

    // With enough rows to matter, the strategy index serves the filtered listing.
    await db().transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off') // the table is tiny: make the index path visible
      const rows = await tx.query<Record<string, unknown>>(
        `EXPLAIN (FORMAT JSON) SELECT backtest_id FROM backtest_results WHERE strategy_name = 'list_a' AND region = 'KR' ORDER BY simulation_date DESC LIMIT 10`)
      expect(JSON.stringify(rows.map((r) => r['QUERY PLAN']))).toContain('idx_backtest_strategy')
    })
  })

  it('ranks the best results by an allow-listed metric, missing values last', async () => {
    const ids = {
      good: await db().backtests.save(run('best_s', '2024-04-01T00:00:00Z', { sharpeRatio: 1.5, maxDrawdown: 0.2, totalReturn: 0.3, finalCapital: 1_300_000 })),
      better: await db().backtests.save(run('best_s', '2024-04-02T00:00:00Z', { sharpeRatio: 2.1, maxDrawdown: 0.35, totalReturn: 0.1, finalCapital: 1_100_000 })),
      none: await db().backtests.save(run('best_s', '2024-04-03T00:00:00Z')),
      bad: await db().backtests.save(run('best_s', '2024-04-04T00:00:00Z', { sharpeRatio: -0.4, maxDrawdown: 0.05, totalReturn: -0.02, finalCapital: 980_000 })),
      elsewhere: await db().backtests.save(run('best_t', '2024-04-05T00:00:00Z', { sharpeRatio: 9 })),
    }
    const bySharpe = await db().backtests.best({ by: 'sharpeRatio', strategyName: 'best_s' })
    expect(bySharpe.map((b) => b.backtestId)).toEqual([ids.better, ids.good, ids.bad, ids.none])
    const byDrawdown = await db().backtests.best({ by: 'maxDrawdown', strategyName: 'best_s', limit: 2 })
    expect(byDrawdown.map((b) => b.backtestId)).toEqual([ids.bad, ids.good])
    expect((await db().backtests.best({ by: 'totalReturn', strategyName: 'best_s', limit: 1 }))[0]!.backtestId).toBe(ids.good)
    expect((await db().backtests.best({ by: 'sharpeRatio', region: 'KR', limit: 1 }))[0]!.backtestId).toBe(ids.elsewhere)
    const e = await db().backtests.best({ by: 'sharpe_ratio DESC; DROP TABLE tickers; --' as never }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as ValidationError).issues[0]!.field).toBe('by')
  })
})
