import { expect, it } from 'vitest'
import { QuantDbError, ValidationError } from '../../src/index.js'
import type { BacktestInput } from '../../src/repos/backtests.js'
import type { FactorScoreInput } from '../../src/repos/factors.js'
import { tickers } from '../../src/schema/index.js'
import type { TestDb } from '../../src/testing/index.js'
import { forEachTarget } from '../helpers/targets.js'

const score = (ticker: string, calculationDate: string): FactorScoreInput => ({
  ticker, region: 'KR', calculationDate, layer1Total: 20, layer2Total: 30, layer3Total: 25, signal: 'BUY',
})
const backtest = (strategyName: string): BacktestInput => ({
  strategyName, region: 'KR', startDate: '2023-01-02', endDate: '2023-12-28', initialCapital: 1_000_000, finalCapital: 1_100_000, totalReturn: 0.1,
})

/** What a transaction tagged `tag` left behind, in every table it wrote. */
async function traces(db: TestDb, ticker: string, tag: string) {
  const n = async (text: string, params: unknown[]) => Number((await db.query<{ n: string | number }>(text, params))[0]!.n)
  return {
    factors: await n('SELECT count(*) AS n FROM factor_scores WHERE ticker = $1', [ticker]),
    backtests: await n('SELECT count(*) AS n FROM backtest_results WHERE strategy_name = $1', [tag]),
    systemLogs: await n('SELECT count(*) AS n FROM system_logs WHERE module = $1', [tag]),
    apiLogs: await n('SELECT count(*) AS n FROM api_logs WHERE api_endpoint = $1', [`/${tag}`]),
  }
}

const nothing = { factors: 0, backtests: 0, systemLogs: 0, apiLogs: 0 }

forEachTarget('transactions', (target, db) => {
  it('commits the writes of every repository together', async () => {
    await db().db.insert(tickers).values([{ ticker: 'TX_OK', region: 'KR' }])
    const id = await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_OK', '2024-01-02'), score('TX_OK', '2024-01-03')])
      const saved = await tx.backtests.save(backtest('tx_ok'))
      await tx.logs.system({ logLevel: 'INFO', module: 'tx_ok', message: 'rebalanced' })
      await tx.logs.api({ apiEndpoint: '/tx_ok', responseStatus: 200 })
      // Reads inside the transaction see its own writes.
      expect((await tx.factors.latest([{ ticker: 'TX_OK', region: 'KR' }]))[0]!.calculationDate).toBe('2024-01-03')
      expect((await tx.backtests.get(saved)).strategyName).toBe('tx_ok')
      return saved
    })
    expect(await traces(db(), 'TX_OK', 'tx_ok')).toEqual({ factors: 2, backtests: 1, systemLogs: 1, apiLogs: 1 })
    expect((await db().backtests.get(id)).finalCapital).toBe(1_100_000)
  })

  it('rolls back every write when a later step fails validation', async () => {
    await db().db.insert(tickers).values([{ ticker: 'TX_V', region: 'KR' }])
    const e = await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_V', '2024-01-02')])
      await tx.backtests.save(backtest('tx_v'))
      await tx.logs.system({ logLevel: 'INFO', module: 'tx_v', message: 'step 3' })
      await tx.logs.api({ apiEndpoint: '/tx_v', responseStatus: 200 })
      await tx.backtests.save({ ...backtest('tx_v'), endDate: '2022-01-01' }) // end before start
    }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as ValidationError).issues[0]!.field).toBe('endDate')
    expect(await traces(db(), 'TX_V', 'tx_v')).toEqual(nothing)
  })

  it('rolls back every write when the caller throws, or the database refuses a step', async () => {
    await db().db.insert(tickers).values([{ ticker: 'TX_T', region: 'KR' }, { ticker: 'TX_D', region: 'KR' }])
    const thrown = await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_T', '2024-01-02')])
      await tx.backtests.save(backtest('tx_t'))
      await tx.logs.system({ logLevel: 'ERROR', module: 'tx_t', message: 'about to give up' })
      throw new Error('risk limit breached')
    }).catch((x: unknown) => x)
    expect((thrown as Error).message).toBe('risk limit breached')
    expect(await traces(db(), 'TX_T', 'tx_t')).toEqual(nothing)

    const refused = await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_D', '2024-01-02')])
      await tx.logs.api({ apiEndpoint: '/tx_d', responseStatus: 200 })
      await tx.factors.upsert([score('UNLISTED', '2024-01-02')]) // no such ticker: foreign key
    }).catch((x: unknown) => x)
    expect(refused).toBeInstanceOf(QuantDbError)
    expect((refused as QuantDbError).reason).toBe('foreign_key_violation')
    expect(await traces(db(), 'TX_D', 'tx_d')).toEqual(nothing)
  })

  it('keeps the transaction usable after a caught validation failure', async () => {
    await db().db.insert(tickers).values([{ ticker: 'TX_C', region: 'KR' }])
    await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_C', '2024-01-02')])
      // Validation throws before anything is sent: the transaction is untouched and goes on.
      await expect(tx.factors.upsert([{ ...score('TX_C', '2024-01-03'), totalScore: 10 }])).rejects.toBeInstanceOf(ValidationError)
      await expect(tx.logs.system({ logLevel: 'LOUD', message: 'x' } as never)).rejects.toBeInstanceOf(ValidationError)
      await tx.logs.system({ logLevel: 'INFO', module: 'tx_c', message: 'recovered' })
    })
    expect(await traces(db(), 'TX_C', 'tx_c')).toEqual({ factors: 1, backtests: 0, systemLogs: 1, apiLogs: 0 })
  })

  it('rolls a refused repository call back to its savepoint and keeps the transaction usable', async () => {
    await db().db.insert(tickers).values([{ ticker: 'TX_S', region: 'KR' }]).onConflictDoNothing()
    await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_S', '2024-01-02')])
      // The upsert runs in a savepoint: the refused batch is undone, the transaction goes on.
      await expect(tx.factors.upsert([score('TX_S', '2024-01-03'), score('UNLISTED', '2024-01-03')])).rejects.toMatchObject({ reason: 'foreign_key_violation' })
      await tx.logs.system({ logLevel: 'INFO', module: 'tx_s', message: 'recovered' })
    })
    expect(await traces(db(), 'TX_S', 'tx_s')).toEqual({ factors: 1, backtests: 0, systemLogs: 1, apiLogs: 0 })
    expect((await db().factors.history({ ticker: 'TX_S', region: 'KR' })).map((r) => r.calculationDate)).toEqual(['2024-01-02'])
  })
  it('binds every repository to the transaction: each reads its own writes, and a rollback undoes them all', async () => {
    // Tickers, bars (upsert, range, latest, panel, indicators), a trade, its valuation and snapshot, scores,
    // a backtest and logs: all in one transaction, checked from inside, then thrown away.
    const bars = Array.from({ length: 30 }, (_, i) => ({
      ticker: 'TX_ALL', region: 'JP', date: new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
      open: 100 + i, high: 102 + i, low: 99 + i, close: 101 + i, volume: 1_000 + i,
    }))
    const run = (commit: boolean) => db().transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'TX_ALL', region: 'JP', sector: 'Autos', listedDate: '2000-01-04' }])
      expect((await tx.tickers.universeAsOf({ date: '2024-01-31', region: 'JP', sector: 'Autos' })).map((t) => t.ticker)).toEqual(['TX_ALL'])
      expect(await tx.ohlcv.upsert(bars)).toMatchObject({ inserted: 30 })
      expect((await tx.ohlcv.range({ ticker: 'TX_ALL', region: 'JP', from: '2024-01-01', to: '2024-01-31' })).map((b) => b.close)).toEqual(bars.map((b) => b.close))
      expect((await tx.ohlcv.recent({ ticker: 'TX_ALL', region: 'JP', limit: 2 })).map((b) => b.date)).toEqual(['2024-01-30', '2024-01-29'])
      const panel = await tx.ohlcv.panel({ tickers: ['TX_ALL'], region: 'JP', from: '2024-01-01', to: '2024-01-31', fields: ['volume'] })
      expect([...panel.fields.volume[0]!]).toEqual(bars.map((b) => b.volume))
      expect(await tx.ohlcv.recomputeIndicators({ region: 'JP', tickers: ['TX_ALL'] })).toMatchObject({ tickers: 1, bars: 30 })
      // ma5 of the last bar: closes 126..130 → 128; ma20: closes 111..130 → 120.5.
      expect((await tx.ohlcv.recent({ ticker: 'TX_ALL', region: 'JP', limit: 1 }))[0]).toMatchObject({ ma5: 128, ma20: 120.5, ma60: null })
      const { position } = await tx.portfolio.applyTrade({ ticker: 'TX_ALL', region: 'JP', tradeDate: '2024-01-30', tradeType: 'BUY', quantity: 10, price: 130 })
      expect(position).toMatchObject({ quantity: 10, avgBuyPrice: 130 })
      await tx.portfolio.setRiskLimits({ ticker: 'TX_ALL', region: 'JP', stopLossPrice: 120 })
      await tx.portfolio.markToMarket([{ ticker: 'TX_ALL', region: 'JP', price: 119 }])
      expect(await tx.portfolio.triggeredExits([{ ticker: 'TX_ALL', region: 'JP', price: 119 }])).toMatchObject([{ reason: 'stop_loss', limit: 120 }])
      // 10 × 119 = 1,190 invested + 810 cash = 2,000.
      expect(await tx.portfolio.snapshot({ snapshotDate: '2024-01-31', cash: 810 })).toMatchObject({ totalValue: 2000, investedValue: 1190, unrealizedPnl: -110 })
      expect(await tx.portfolio.sectorExposure()).toContainEqual({ sector: 'Autos', nStocks: 1, totalValue: 1190, totalWeight: expect.any(Number), avgPnlPct: -0.084615 })
      await tx.factors.upsert([{ ...score('TX_ALL', '2024-01-31'), region: 'JP' }])
      expect(await tx.factors.get({ ticker: 'TX_ALL', region: 'JP', calculationDate: '2024-01-31' })).toMatchObject({ totalScore: 75 })
      const id = await tx.backtests.save(backtest('tx_all'))
      expect((await tx.backtests.list({ strategyName: 'tx_all' })).map((b) => b.backtestId)).toEqual([id])
      await tx.logs.api({ apiEndpoint: '/tx_all', responseStatus: 500 })
      expect((await tx.logs.failures({ apiEndpoint: '/tx_all' })).length).toBe(1)
      if (!commit) throw new Error('rollback')
    })

    await expect(run(false)).rejects.toThrow('rollback')
    const left = async () => {
      const n = async (text: string) => Number((await db().query<{ n: string | number }>(text))[0]!.n)
      return {
        tickers: await n(`SELECT count(*) AS n FROM tickers WHERE ticker = 'TX_ALL'`),
        bars: await n(`SELECT count(*) AS n FROM ohlcv_data WHERE ticker = 'TX_ALL'`),
        trades: await n(`SELECT count(*) AS n FROM trades WHERE ticker = 'TX_ALL'`),
        positions: await n(`SELECT count(*) AS n FROM portfolio WHERE ticker = 'TX_ALL'`),
        snapshots: await n(`SELECT count(*) AS n FROM portfolio_snapshots WHERE snapshot_date = '2024-01-31'`),
        scores: await n(`SELECT count(*) AS n FROM factor_scores WHERE ticker = 'TX_ALL'`),
        backtests: await n(`SELECT count(*) AS n FROM backtest_results WHERE strategy_name = 'tx_all'`),
        apiLogs: await n(`SELECT count(*) AS n FROM api_logs WHERE api_endpoint = '/tx_all'`),
      }
    }
    expect(await left()).toEqual({ tickers: 0, bars: 0, trades: 0, positions: 0, snapshots: 0, scores: 0, backtests: 0, apiLogs: 0 })

    await run(true)
    expect(await left()).toEqual({ tickers: 1, bars: 30, trades: 1, positions: 1, snapshots: 1, scores: 1, backtests: 1, apiLogs: 1 })
    expect(await db().portfolio.findPosition({ ticker: 'TX_ALL', region: 'JP' })).toMatchObject({ currentPrice: 119, stopLossPrice: 120 })
  })
})

forEachTarget('transaction options', (_target, db) => {
  it('takes drizzle\'s { isolationLevel, accessMode }: a read-only transaction refuses writes, the level is set', async () => {
    const level = await db().transaction(async (tx) => {
      const [row] = await tx.query<{ level: string; ro: string }>(
        `SELECT current_setting('transaction_isolation') AS level, current_setting('transaction_read_only') AS ro`)
      return row
    }, { isolationLevel: 'serializable', accessMode: 'read only' })
    expect(level).toEqual({ level: 'serializable', ro: 'on' })
    const refused = await db().transaction((tx) => tx.tickers.upsert([{ ticker: 'RO1', region: 'KR' }]), { accessMode: 'read only' })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(QuantDbError)
    expect(await db().tickers.find({ ticker: 'RO1', region: 'KR' })).toBeUndefined()
    // The default stays PostgreSQL's: read committed, read write.
    const [dflt] = await db().transaction((tx) => tx.query<{ level: string }>(`SELECT current_setting('transaction_isolation') AS level`))
    expect(dflt).toEqual({ level: 'read committed' })
    await expect(db().transaction(async () => 1, { isolationLevel: 'snapshot' } as never)).rejects.toBeInstanceOf(ValidationError)
  })
})
