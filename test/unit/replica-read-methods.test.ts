import { describe, expect, it } from 'vitest'
import { BacktestRepo, FactorRepo, LogRepo, OhlcvRepo, PortfolioRepo, TickerRepo } from '../../src/repos/index.js'
import { READ_METHODS, isReplicaRead } from '../../src/replicas/read-methods.js'

const CLASSES = { tickers: TickerRepo, ohlcv: OhlcvRepo, factors: FactorRepo, backtests: BacktestRepo, portfolio: PortfolioRepo, logs: LogRepo }

describe('replica routing: which repository methods a replica may serve', () => {
  it('names only methods the repositories have (a renamed read would silently go to the primary)', () => {
    for (const [repo, cls] of Object.entries(CLASSES)) {
      const methods = Object.getOwnPropertyNames(cls.prototype)
      for (const name of Object.keys(READ_METHODS[repo as keyof typeof CLASSES])) expect(methods, `${repo}.${name}`).toContain(name)
    }
  })

  it('keeps every write, refresh and trading-state read on the primary', () => {
    const primaryOnly: [keyof typeof CLASSES, string][] = [
      ['tickers', 'upsert'], ['tickers', 'delist'], ['tickers', 'purge'], ['ohlcv', 'upsert'], ['ohlcv', 'recomputeIndicators'],
      ['ohlcv', 'refreshDailySummary'], ['factors', 'upsert'], ['factors', 'refreshMonthlyPerformance'], ['backtests', 'save'],
      ['portfolio', 'applyTrade'], ['portfolio', 'markToMarket'], ['portfolio', 'setRiskLimits'], ['portfolio', 'snapshot'],
      ['portfolio', 'positions'], ['portfolio', 'findPosition'], ['portfolio', 'getPosition'], ['portfolio', 'triggeredExits'], ['logs', 'api'], ['logs', 'system'],
      ['logs', 'createSystemLogWriter'],
    ]
    for (const [repo, method] of primaryOnly) expect(isReplicaRead(repo, method, []), `${repo}.${method}`).toBe(false)
    expect(isReplicaRead('ohlcv', 'panel', [{}])).toBe(true)
    // The aggregate reads refresh first by default (a write): a replica serves them only with refresh: false.
    const range = { region: 'KR', from: '2024-01-01', to: '2024-02-01' }
    expect(isReplicaRead('ohlcv', 'dailySummary', [range])).toBe(false)
    expect(isReplicaRead('ohlcv', 'dailySummary', [{ ...range, refresh: true }])).toBe(false)
    expect(isReplicaRead('ohlcv', 'dailySummary', [{ ...range, refresh: false }])).toBe(true)
    for (const [repo, method] of [['factors', 'monthlyPerformance'], ['portfolio', 'performance']] as const) {
      expect(isReplicaRead(repo, method, [{}]), `${repo}.${method}`).toBe(false)
      expect(isReplicaRead(repo, method, [{ refresh: false }]), `${repo}.${method}`).toBe(true)
    }
  })
})
