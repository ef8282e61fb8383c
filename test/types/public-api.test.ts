// Type tests of the public API, checked by `npx tsc -p .` under strict, noUncheckedIndexedAccess and
// exactOptionalPropertyTypes (the settings of the strictest consumer): a changed name, result or
// option type fails the typecheck. The `it` bodies also run, so vitest reports them.
import { describe, expectTypeOf, it } from 'vitest'
import {
  NotFoundError, QuantDbError, ValidationError,
  type ApiLogInput, type Backtest, type BacktestBestOptions, type BacktestMetric, type BacktestSummary, type Bar,
  type FactorScore, type FactorScoreInput, type OhlcvBarInput, type Panel, type Position, type PurgeResult, type QuantDb,
  type QuantDbErrorReason, type QuantDbOptions, type SystemLogInput, type Ticker, type TickerInput, type TickerListOptions,
  type TradeListOptions, type ValidationIssue, type WriteResult,
} from '../../src/index.js'
import type * as Public from '../../src/index.js'

type Repo<K extends keyof QuantDb> = QuantDb[K]
type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>

describe('public API types', () => {
  it('every bulk write returns one WriteResult shape', () => {
    expectTypeOf<Result<Repo<'tickers'>['upsert']>>().toEqualTypeOf<WriteResult<TickerInput>>()
    expectTypeOf<Result<Repo<'factors'>['upsert']>>().toEqualTypeOf<WriteResult<FactorScoreInput>>()
    expectTypeOf<Result<Repo<'ohlcv'>['upsert']>>().toMatchTypeOf<Omit<WriteResult<OhlcvBarInput>, never>>()
    expectTypeOf<WriteResult<TickerInput>>().toHaveProperty('unchanged').toEqualTypeOf<number>()
    expectTypeOf<Result<Repo<'tickers'>['purge']>>().toEqualTypeOf<PurgeResult>()
  })

  it('find* may be undefined, get* never is', () => {
    expectTypeOf<Result<Repo<'tickers'>['find']>>().toEqualTypeOf<Ticker | undefined>()
    expectTypeOf<Result<Repo<'tickers'>['get']>>().toEqualTypeOf<Ticker>()
    expectTypeOf<Result<Repo<'factors'>['find']>>().toEqualTypeOf<FactorScore | undefined>()
    expectTypeOf<Result<Repo<'factors'>['get']>>().toEqualTypeOf<FactorScore>()
    expectTypeOf<Result<Repo<'portfolio'>['findPosition']>>().toEqualTypeOf<Position | undefined>()
    expectTypeOf<Result<Repo<'portfolio'>['getPosition']>>().toEqualTypeOf<Position>()
    expectTypeOf<Result<Repo<'backtests'>['find']>>().toEqualTypeOf<Backtest | undefined>()
    expectTypeOf<Result<Repo<'backtests'>['get']>>().toEqualTypeOf<Backtest>()
  })

  it('methods take one options object named by the table fields', () => {
    expectTypeOf<Repo<'ohlcv'>['recent']>().parameters.toEqualTypeOf<[{ ticker: string; region: string; limit?: number | undefined; timeframe?: string | undefined }]>()
    expectTypeOf<Repo<'ohlcv'>['range']>().parameter(0).toHaveProperty('from').toEqualTypeOf<string>()
    expectTypeOf<Repo<'portfolio'>['markToMarket']>().parameters.toHaveProperty('length').toEqualTypeOf<1>()
    expectTypeOf<BacktestBestOptions>().toHaveProperty('strategyName')
    expectTypeOf<BacktestMetric>().toEqualTypeOf<'sharpeRatio' | 'sortinoRatio' | 'totalReturn' | 'annualReturn' | 'winRate' | 'finalCapital' | 'maxDrawdown'>()
    expectTypeOf<ApiLogInput>().toHaveProperty('apiEndpoint').toEqualTypeOf<string>()
    expectTypeOf<SystemLogInput>().toHaveProperty('logLevel')
    expectTypeOf<Result<Repo<'backtests'>['best']>>().toEqualTypeOf<BacktestSummary[]>()
  })

  it('optional options accept an explicit undefined (exactOptionalPropertyTypes consumers)', () => {
    const maybe = (): string | undefined => undefined
    const limit = (): number | undefined => undefined
    // Each line is a compile error if the option is typed `?: T` instead of `?: T | undefined`.
    expectTypeOf<{ region: string | undefined; limit: number | undefined }>().toMatchTypeOf<TickerListOptions>()
    expectTypeOf<{ ticker: string | undefined; limit: number | undefined; strategyName: string | undefined }>().toMatchTypeOf<TradeListOptions>()
    expectTypeOf<{ url: string | undefined; dataDir: string | undefined; prepare: boolean | undefined; applicationName: string | undefined }>()
      .toMatchTypeOf<QuantDbOptions>()
    expectTypeOf({ ticker: 'A', region: 'KR', limit: limit(), timeframe: maybe() }).toMatchTypeOf<Parameters<Repo<'ohlcv'>['recent']>[0]>()
    expectTypeOf({ ticker: 'A', region: 'KR', from: maybe(), to: maybe() }).toMatchTypeOf<Parameters<Repo<'factors'>['history']>[0]>()
    expectTypeOf({ region: maybe() }).toMatchTypeOf<Parameters<Repo<'portfolio'>['positions']>[0]>()
    expectTypeOf({ from: maybe(), to: maybe() }).toMatchTypeOf<Parameters<Repo<'portfolio'>['snapshots']>[0]>()
  })

  it('reads: a bar and a panel', () => {
    expectTypeOf<Bar>().toHaveProperty('date').toEqualTypeOf<string>()
    expectTypeOf<Bar>().toHaveProperty('adjustedClose').toEqualTypeOf<number | null>()
    expectTypeOf<Bar>().toHaveProperty('lastUpdated').toEqualTypeOf<Date | null>()
    expectTypeOf<Panel<'close' | 'volume'>['fields']>().toEqualTypeOf<Record<'close' | 'volume', Float64Array[]>>()
    expectTypeOf<Panel<'close'>>().toHaveProperty('dates').toEqualTypeOf<string[]>()
  })

  it('errors: one hierarchy, validation issues name row and field', () => {
    expectTypeOf<ValidationError>().toMatchTypeOf<QuantDbError>()
    expectTypeOf<NotFoundError>().toMatchTypeOf<QuantDbError>()
    expectTypeOf<ValidationError['issues']>().toEqualTypeOf<readonly ValidationIssue[]>()
    expectTypeOf<ValidationIssue>().toMatchTypeOf<{ row: number; field: string; message: string }>()
    expectTypeOf<QuantDbError['reason']>().toEqualTypeOf<QuantDbErrorReason>()
  })

  it('internals are not exported', () => {
    expectTypeOf<Public.QuantDb>().not.toBeAny()
    // @ts-expect-error createRepos is internal
    type _1 = typeof Public.createRepos
    // @ts-expect-error RepoContext is internal
    type _2 = Public.RepoContext
    // @ts-expect-error QueryRunner is internal
    type _3 = Public.QueryRunner
    // @ts-expect-error Driver is internal
    type _4 = Public.Driver
  })
})
