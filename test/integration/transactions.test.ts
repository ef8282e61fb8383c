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
      await tx.logs.system({ level: 'INFO', module: 'tx_ok', message: 'rebalanced' })
      await tx.logs.api({ endpoint: '/tx_ok', status: 200 })
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
      await tx.logs.system({ level: 'INFO', module: 'tx_v', message: 'step 3' })
      await tx.logs.api({ endpoint: '/tx_v', status: 200 })
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
      await tx.logs.system({ level: 'ERROR', module: 'tx_t', message: 'about to give up' })
      throw new Error('risk limit breached')
    }).catch((x: unknown) => x)
    expect((thrown as Error).message).toBe('risk limit breached')
    expect(await traces(db(), 'TX_T', 'tx_t')).toEqual(nothing)

    const refused = await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_D', '2024-01-02')])
      await tx.logs.api({ endpoint: '/tx_d', status: 200 })
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
      await expect(tx.logs.system({ level: 'LOUD', message: 'x' } as never)).rejects.toBeInstanceOf(ValidationError)
      await tx.logs.system({ level: 'INFO', module: 'tx_c', message: 'recovered' })
    })
    expect(await traces(db(), 'TX_C', 'tx_c')).toEqual({ factors: 1, backtests: 0, systemLogs: 1, apiLogs: 0 })
  })

  it('rolls a refused repository call back to its savepoint and keeps the transaction usable', async () => {
    await db().db.insert(tickers).values([{ ticker: 'TX_S', region: 'KR' }]).onConflictDoNothing()
    await db().transaction(async (tx) => {
      await tx.factors.upsert([score('TX_S', '2024-01-02')])
      // The upsert runs in a savepoint: the refused batch is undone, the transaction goes on.
      await expect(tx.factors.upsert([score('TX_S', '2024-01-03'), score('UNLISTED', '2024-01-03')])).rejects.toMatchObject({ reason: 'foreign_key_violation' })
      await tx.logs.system({ level: 'INFO', module: 'tx_s', message: 'recovered' })
    })
    expect(await traces(db(), 'TX_S', 'tx_s')).toEqual({ factors: 1, backtests: 0, systemLogs: 1, apiLogs: 0 })
    expect((await db().factors.history('TX_S', 'KR')).map((r) => r.calculationDate)).toEqual(['2024-01-02'])
  })
})
