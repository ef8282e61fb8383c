import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { backtestBestSchema, backtestInputSchema, type BacktestInput } from '../../src/validation/backtests.js'
import { checkOne } from '../../src/validation/validate.js'

const REGIONS = new Set(['KR', 'US'])
const good: BacktestInput = {
  strategyName: 'momentum_v2', region: 'KR', startDate: '2023-01-02', endDate: '2023-12-28',
  // 100,000,000 → 112,500,000: a return of 12,500,000 / 100,000,000 = 0.125.
  initialCapital: 100_000_000, finalCapital: 112_500_000, totalReturn: 0.125,
  sharpeRatio: 1.2, sortinoRatio: -0.4, maxDrawdown: 0.18, winRate: 0.55,
  totalTrades: 20, winningTrades: 11, losingTrades: 9,
  trades: [{ date: '2023-01-02', ticker: '005930', side: 'BUY', quantity: 100, price: 55_200, commission: 828 }],
}

function fieldsOf(patch: Record<string, unknown>): string[] {
  try {
    checkOne('backtest_results', { ...good, ...patch }, backtestInputSchema(REGIONS))
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    return (e as ValidationError).issues.map((i) => i.field)
  }
  return []
}

describe('backtest validation', () => {
  it('accepts a consistent result', () => {
    expect(fieldsOf({})).toEqual([])
    expect(fieldsOf({ finalCapital: 0, totalReturn: -1 })).toEqual([]) // a strategy that lost everything
  })

  it('applies the consistency rules', () => {
    expect(fieldsOf({ endDate: '2023-01-02' })).toEqual(['endDate']) // end must be after start
    expect(fieldsOf({ endDate: '2022-12-31' })).toEqual(['endDate', 'trades.0.date'])
    expect(fieldsOf({ winningTrades: 12 })).toEqual(['winningTrades']) // 12 + 9 > 20
    expect(fieldsOf({ totalTrades: 5, winningTrades: 6, losingTrades: null })).toEqual(['winningTrades'])
    expect(fieldsOf({ initialCapital: 0 })).toContain('initialCapital')
    expect(fieldsOf({ finalCapital: -1 })).toContain('finalCapital')
    expect(fieldsOf({ totalReturn: 12.5 })).toEqual(['totalReturn']) // a percentage where a fraction is due
    expect(fieldsOf({ totalTrades: -1, winningTrades: null, losingTrades: null })).toEqual(['totalTrades'])
    expect(fieldsOf({ totalTrades: 2.5, winningTrades: null, losingTrades: null })).toEqual(['totalTrades'])
  })

  it('checks ratio ranges and NUMERIC precision', () => {
    expect(fieldsOf({ maxDrawdown: -0.18 })).toEqual(['maxDrawdown'])
    expect(fieldsOf({ maxDrawdown: 1.2 })).toEqual(['maxDrawdown'])
    expect(fieldsOf({ winRate: 55 })).toEqual(['winRate'])
    expect(fieldsOf({ sharpeRatio: 1e6 })).toEqual(['sharpeRatio']) // NUMERIC(10, 4)
    expect(fieldsOf({ annualReturn: 1e4 })).toEqual(['annualReturn']) // NUMERIC(10, 6)
    expect(fieldsOf({ initialCapital: 1e16, finalCapital: null, totalReturn: null })).toEqual(['initialCapital']) // NUMERIC(18, 2)
    expect(fieldsOf({ transactionCostBps: -1 })).toEqual(['transactionCostBps'])
    expect(fieldsOf({ transactionCostBps: 10_000 })).toEqual(['transactionCostBps']) // NUMERIC(6, 2)
    expect(fieldsOf({ sharpeRatio: Number.POSITIVE_INFINITY })).toEqual(['sharpeRatio'])
  })

  it('types the trade log and the strategy parameters', () => {
    const trade = good.trades![0]!
    expect(fieldsOf({ trades: [{ ...trade, side: 'HOLD' }] })).toEqual(['trades.0.side'])
    expect(fieldsOf({ trades: [{ ...trade, quantity: 0 }] })).toEqual(['trades.0.quantity'])
    expect(fieldsOf({ trades: [trade, { ...trade, price: -1 }] })).toEqual(['trades.1.price'])
    expect(fieldsOf({ trades: [{ ...trade, region: 'XX' }] })).toEqual(['trades.0.region'])
    expect(fieldsOf({ trades: [{ ...trade, venue: 'KRX' }] })).toEqual(['trades.0'])
    expect(fieldsOf({ trades: { 0: trade } })).toEqual(['trades'])
    expect(fieldsOf({ strategyParams: { lookback: 252, weights: [0.5, 0.5], nested: { on: true } } })).toEqual([])
    expect(fieldsOf({ strategyParams: { lookback: Number.NaN } })).toEqual(['strategyParams'])
    expect(fieldsOf({ strategyParams: 'lookback=252' })).toEqual(['strategyParams'])
    expect(fieldsOf({ simulationDate: new Date('nope') })).toEqual(['simulationDate'])
    expect(fieldsOf({ strategyName: '' })).toEqual(['strategyName'])
  })

  it('allows only the listed metrics for best()', () => {
    const schema = backtestBestSchema(REGIONS)
    expect(() => checkOne('backtest_results', { by: 'sharpe_ratio; DROP TABLE tickers' }, schema)).toThrow(ValidationError)
    expect(checkOne('backtest_results', { by: 'maxDrawdown', limit: 3 }, schema)).toEqual({ by: 'maxDrawdown', limit: 3 })
  })
})
