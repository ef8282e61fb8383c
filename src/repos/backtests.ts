import { and, desc, eq, getTableColumns, gte, lte, sql, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { NotFoundError } from '../errors.js'
import { backtestResults, type BacktestResultRow } from '../schema/index.js'
import {
  BEST_BY, backtestBestSchema, backtestIdSchema, backtestInputSchema, backtestListSchema,
  type BacktestBestOptions, type BacktestInput, type BacktestListOptions, type BacktestMetric, type BacktestTrade,
  type TimeBound,
} from '../validation/backtests.js'
import { checkOne } from '../validation/validate.js'
import type { RepoContext } from './context.js'

export type { BacktestBestOptions, BacktestInput, BacktestListOptions, BacktestMetric, BacktestTrade, TimeBound }

/** A stored backtest, trade log included. */
export type Backtest = Omit<BacktestResultRow, 'trades'> & { trades: BacktestTrade[] | null }
/** A stored backtest without its trade log (which can run to megabytes): what `list` and `best` return. */
export type BacktestSummary = Omit<BacktestResultRow, 'trades'>

const { trades: _trades, ...SUMMARY_COLUMNS } = getTableColumns(backtestResults)

/** Simulation-date bounds: a Date as given, a 'YYYY-MM-DD' as that whole day in the session time zone. */
function timeRange(from: TimeBound | undefined, to: TimeBound | undefined): SQL[] {
  const where: SQL[] = []
  const column = backtestResults.simulationDate
  if (from instanceof Date) where.push(gte(column, from))
  else if (from !== undefined) where.push(sql`${column} >= ${from}::date`)
  if (to instanceof Date) where.push(lte(column, to))
  else if (to !== undefined) where.push(sql`${column} < ${to}::date + 1`)
  return where
}

function filters(o: { strategyName?: string | undefined; region?: string | undefined; from?: TimeBound | undefined; to?: TimeBound | undefined }): SQL[] {
  const where: SQL[] = []
  if (o.strategyName !== undefined) where.push(eq(backtestResults.strategyName, o.strategyName))
  if (o.region !== undefined) where.push(eq(backtestResults.region, o.region))
  return [...where, ...timeRange(o.from, o.to)]
}

/** `qdb.backtests`: backtesting results (spec 2.4). */
export class BacktestRepo {
  /** The database or transaction and the settings this repository works with. @internal */
  protected readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

  /**
   * Validates and stores one result; returns its `backtestId`. See {@link BacktestInput} for the
   * conventions (ratios are fractions, drawdown a positive magnitude) and the consistency rules.
   *
   * @example
   * ```ts
   * const id = await qdb.backtests.save({
   *   strategyName: 'momentum_v2', region: 'KR', startDate: '2020-01-01', endDate: '2023-12-31',
   *   initialCapital: 100_000_000, finalCapital: 142_000_000, totalReturn: 0.42, sharpeRatio: 1.31,
   *   maxDrawdown: 0.18, winRate: 0.56, totalTrades: 250, winningTrades: 140, losingTrades: 110,
   *   strategyParams: { lookback: 252, topN: 20 }, rebalanceFrequency: 'monthly', transactionCostBps: 15,
   *   trades: [{ date: '2020-01-02', ticker: '005930', side: 'BUY', quantity: 100, price: 55_200 }],
   * })
   * ```
   */
  async save(result: BacktestInput): Promise<number> {
    const b = checkOne('backtest_results', result, backtestInputSchema(this.ctx.options.regions))
    const [row] = await this.ctx.runner.db.insert(backtestResults).values({
      strategyName: b.strategyName,
      region: b.region,
      simulationDate: b.simulationDate ?? new Date(),
      startDate: b.startDate,
      endDate: b.endDate,
      initialCapital: b.initialCapital,
      finalCapital: b.finalCapital ?? null,
      totalReturn: b.totalReturn ?? null,
      annualReturn: b.annualReturn ?? null,
      sharpeRatio: b.sharpeRatio ?? null,
      sortinoRatio: b.sortinoRatio ?? null,
      maxDrawdown: b.maxDrawdown ?? null,
      winRate: b.winRate ?? null,
      totalTrades: b.totalTrades ?? null,
      winningTrades: b.winningTrades ?? null,
      losingTrades: b.losingTrades ?? null,
      avgWin: b.avgWin ?? null,
      avgLoss: b.avgLoss ?? null,
      strategyParams: b.strategyParams ?? null,
      rebalanceFrequency: b.rebalanceFrequency ?? null,
      transactionCostBps: b.transactionCostBps ?? null,
      trades: b.trades ?? null,
    }).returning({ id: backtestResults.backtestId })
    return row!.id
  }

  /**
   * The backtest with its trade log, or `undefined`.
   * @example `const run = await qdb.backtests.find(id) // Backtest | undefined`
   */
  async find(id: number): Promise<Backtest | undefined> {
    checkOne('backtest_results', { backtestId: id }, z.object({ backtestId: backtestIdSchema }))
    const [row] = await this.ctx.runner.db.select().from(backtestResults).where(eq(backtestResults.backtestId, id)).limit(1)
    return row as Backtest | undefined
  }

  /**
   * The backtest with its trade log; throws NotFoundError carrying `{ backtestId }`.
   * @example `const { sharpeRatio, trades } = await qdb.backtests.get(id)`
   */
  async get(id: number): Promise<Backtest> {
    const row = await this.find(id)
    if (!row) throw new NotFoundError('backtest_results', { backtestId: id })
    return row
  }

  /**
   * Results, newest simulation first, filtered by strategy, region and simulation time (served by
   * `idx_backtest_strategy` when strategyName and region are given). Without the trade logs.
   *
   * @example
   * ```ts
   * const runs = await qdb.backtests.list({ strategyName: 'momentum_v2', region: 'KR', from: '2024-01-01' })
   * ```
   */
  async list(options: BacktestListOptions = {}): Promise<BacktestSummary[]> {
    const o = checkOne('backtest_results', options, backtestListSchema(this.ctx.options.regions))
    return this.ctx.runner.db.select(SUMMARY_COLUMNS).from(backtestResults).where(and(...filters(o)))
      .orderBy(desc(backtestResults.simulationDate), desc(backtestResults.backtestId))
      .limit(o.limit ?? 100).offset(o.offset ?? 0)
  }

  /**
   * The best results by one metric: highest Sharpe, Sortino, return, win rate or final capital;
   * smallest drawdown. Results without that metric come last. Without the trade logs.
   *
   * @example
   * ```ts
   * const top = await qdb.backtests.best({ by: 'sharpeRatio', region: 'KR', limit: 5 })
   * ```
   */
  async best(options: BacktestBestOptions): Promise<BacktestSummary[]> {
    const o = checkOne('backtest_results', options, backtestBestSchema(this.ctx.options.regions))
    // The column and direction come from the allow-list, never from the caller's string.
    const { column, direction } = BEST_BY[o.by]
    return this.ctx.runner.db.select(SUMMARY_COLUMNS).from(backtestResults).where(and(...filters(o)))
      .orderBy(sql.raw(`"${column}" ${direction} NULLS LAST`), desc(backtestResults.simulationDate), desc(backtestResults.backtestId))
      .limit(o.limit ?? 10)
  }
}
