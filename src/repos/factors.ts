import { and, eq, type InferSelectViewModel } from 'drizzle-orm'
import { z } from 'zod'
import { NotFoundError } from '../errors.js'
import { chunks, rowsPerStatement } from '../internal/batch.js'
import { factorMonthlyPerformance, factorScores, type FactorScoreRow } from '../schema/index.js'
import {
  checkFactorScores, factorHistorySchema, factorScoreKeySchema, monthlyPerformanceOptionsSchema, tickerKeySchema,
  topSignalsOptionsSchema, type FactorHistoryOptions, type FactorScoreInput, type FactorScoreKey, type FactorUpsertOptions,
  type MonthlyPerformanceOptions, type Signal, type TickerKey, type TopSignalsOptions,
} from '../validation/factors.js'
import { checkOne, checkRows } from '../validation/validate.js'
import type { WriteResult } from './write-result.js'
import type { RepoContext } from './context.js'
import { historyQuery, latestQuery, monthlyPerformanceQuery, topSignalsQuery } from './factors/queries.js'
import { mergeScores } from './factors/upsert.js'
import { refreshWaitingForScheduler } from '../internal/refresh.js'
import { CachedRead, perRegions } from '../internal/fast-select.js'

// The hot reads (topSignals, history): schemas built once per set of regions, statements cached and
// prepared, rows decoded by position (src/internal/fast-select.ts; bench/spec-scale.ts).
const scoreReads = new CachedRead<FactorScoreRow>(factorScores)

export type {
  FactorHistoryOptions, FactorScoreInput, FactorScoreKey, FactorUpsertOptions, MonthlyPerformanceOptions, Signal, TickerKey,
  TopSignalsOptions,
}

const keySchema = perRegions(factorScoreKeySchema)
const historySchema = perRegions(factorHistorySchema)
const topSchema = perRegions(topSignalsOptionsSchema)
const monthlySchema = perRegions(monthlyPerformanceOptionsSchema)
const tickerKeysSchema = perRegions(tickerKeySchema)
const upsertOptionsSchema = z.object({ onInvalid: z.enum(['throw', 'skip']).optional() }).strict()
/** A stored score row (`factor_scores`). */
export type FactorScore = FactorScoreRow
/** One row of spec 4.2's aggregate; `month` is the month's first day ('YYYY-MM-01'). */
export type FactorMonthlyPerformance = InferSelectViewModel<typeof factorMonthlyPerformance>

/** What `qdb.factors.upsert` returns: the write result every bulk write returns. */
export type FactorUpsertResult = WriteResult<FactorScoreInput>

/**
 * `qdb.factors`: multi-factor scores and signals (spec 2.3). Writes validate first (see
 * {@link FactorScoreInput} for the score rules) and are all-or-nothing.
 */
export class FactorRepo {
  /** The database or transaction and the settings this repository works with. @internal */
  protected readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

  /**
   * Inserts or replaces rows by `(ticker, region, calculationDate)`: sending the same calculation
   * again is harmless, and a recalculation replaces the whole row (omitted fields become NULL).
   * Layer totals and `totalScore` are computed when omitted. One transaction (a savepoint inside
   * `qdb.transaction()`), merging by one INSERT ... SELECT ... FROM unnest(...) ... ON CONFLICT DO UPDATE
   * per batch (5,000 rows embedded, 10,000 on a server; one array parameter per column).
   *
   * @example
   * ```ts
   * await qdb.factors.upsert([{
   *   ticker: '005930', region: 'KR', calculationDate: '2024-06-28', signal: 'BUY',
   *   marketRegimeScore: 8, volumeProfileScore: 7.5, priceActionScore: 6,          // layer1Total 21.5
   *   stageAnalysisScore: 15, movingAverageScore: 12, relativeStrengthScore: 10,   // layer2Total 37
   *   patternRecognitionScore: 9, volumeSpikeScore: 6, momentumScore: 8,           // layer3Total 23
   *   peRatio: 12.4, roe: 0.18, calculationMetadata: { model: 'v3' },              // totalScore 81.5
   * }])
   * ```
   */
  async upsert(rows: readonly FactorScoreInput[], options: FactorUpsertOptions = {}): Promise<FactorUpsertResult> {
    const o = checkOne('factor_scores', options, upsertOptionsSchema)
    const { valid, rejected } = checkFactorScores(rows, this.ctx.options.regions, o.onInvalid ?? 'throw')
    const result: FactorUpsertResult = { inserted: 0, updated: 0, unchanged: 0, rejected: rejected.length, rejectedRows: rejected }
    if (valid.length === 0) return result
    // Rows per statement: the driver's comfortable size (5,000 embedded, what PGlite handles comfortably;
    // 10,000 on a server). Each statement binds 26 array parameters, whatever the number of rows.
    const size = this.ctx.limits.maxRowsPerStatement
    const counts = await this.ctx.runner.transaction((tx) => mergeScores(tx, valid.map((v) => v.value), size))
    result.inserted = counts.inserted
    result.updated = counts.updated
    // Rows the merge left alone (already stored with these values).
    result.unchanged = valid.length - counts.inserted - counts.updated
    return result
  }

  /**
   * One ticker's scores on one day, or `undefined`.
   * @example `const row = await qdb.factors.find({ ticker: '005930', region: 'KR', calculationDate: '2024-06-28' }) // FactorScore | undefined`
   */
  async find(key: FactorScoreKey): Promise<FactorScore | undefined> {
    const { ticker, region, calculationDate } = checkOne('factor_scores', key, keySchema(this.ctx.options.regions))
    const [row] = await this.ctx.runner.db.select().from(factorScores).where(and(
      eq(factorScores.ticker, ticker), eq(factorScores.region, region), eq(factorScores.calculationDate, calculationDate),
    ))
    return row
  }

  /**
   * One ticker's scores on one day; throws NotFoundError carrying `{ ticker, region, calculationDate }`.
   * @example `const { totalScore, signal } = await qdb.factors.get({ ticker: '005930', region: 'KR', calculationDate: '2024-06-28' })`
   */
  async get(key: FactorScoreKey): Promise<FactorScore> {
    const row = await this.find(key)
    if (!row) throw new NotFoundError('factor_scores', { ticker: key.ticker, region: key.region, calculationDate: key.calculationDate })
    return row
  }

  /**
   * The best-scored tickers of one day for a signal, highest `totalScore` first, ties by ticker and
   * region (spec 8.1, query 2; served by the partial index `idx_factor_buy_signals` for BUY).
   *
   * @example
   * ```ts
   * const buys = await qdb.factors.topSignals({ calculationDate: '2024-06-28', region: 'KR', limit: 20 })
   * ```
   */
  async topSignals(options: TopSignalsOptions): Promise<FactorScore[]> {
    const o = checkOne('factor_scores', options, topSchema(this.ctx.options.regions))
    const params = o.region === undefined ? [o.calculationDate, o.limit] : [o.calculationDate, o.region, o.limit]
    return scoreReads.run(this.ctx.runner, `top:${o.signal}:${o.region !== undefined}`, () => topSignalsQuery(this.ctx.runner.db, o), params)
  }

  /**
   * The most recent row of each ticker (tickers without scores are left out), in the order asked.
   *
   * @example
   * ```ts
   * const [samsung, apple] = await qdb.factors.latest([{ ticker: '005930', region: 'KR' }, { ticker: 'AAPL', region: 'US' }])
   * ```
   */
  async latest(keys: readonly TickerKey[]): Promise<FactorScore[]> {
    const { valid } = checkRows('factor_scores', keys, tickerKeysSchema(this.ctx.options.regions))
    const found = new Map<string, FactorScore>()
    for (const part of chunks(valid.map((v) => v.value), rowsPerStatement(2, this.ctx.limits))) {
      for (const { newest: row } of await latestQuery(this.ctx.runner.db, part)) found.set(`${row.ticker}\u0000${row.region}`, row)
    }
    const out: FactorScore[] = []
    const seen = new Set<string>()
    for (const { value } of valid) {
      const key = `${value.ticker}\u0000${value.region}`
      const row = found.get(key)
      if (row && !seen.has(key)) out.push(row)
      seen.add(key)
    }
    return out
  }

  /**
   * One ticker's rows from `from` to `to` (inclusive, both optional), oldest first.
   * @example `const year = await qdb.factors.history({ ticker: '005930', region: 'KR', from: '2024-01-01', to: '2024-12-31' })`
   */
  async history(options: FactorHistoryOptions): Promise<FactorScore[]> {
    const { ticker, region, from, to } = checkOne('factor_scores', options, historySchema(this.ctx.options.regions))
    const params = [ticker, region, ...(from === undefined ? [] : [from]), ...(to === undefined ? [] : [to])]
    return scoreReads.run(this.ctx.runner, `history:${from !== undefined}:${to !== undefined}`,
      () => historyQuery(this.ctx.runner.db, ticker, region, from, to), params)
  }

  /**
   * Spec 4.2: per month, region and signal, the number of stocks and the average score, P/E,
   * momentum, ROE and volatility. Refreshes the aggregate first unless `refresh: false`; inside a
   * transaction with TimescaleDB it cannot (PostgreSQL forbids `refresh_continuous_aggregate`
   * there) and reads the aggregate as last materialized.
   *
   * @example
   * ```ts
   * const rows = await qdb.factors.monthlyPerformance({ region: 'KR', from: '2024-01-01', to: '2024-06-30' })
   * ```
   */
  async monthlyPerformance(options: MonthlyPerformanceOptions = {}): Promise<FactorMonthlyPerformance[]> {
    const o = checkOne('factor_monthly_performance', options, monthlySchema(this.ctx.options.regions))
    if (o.refresh !== false) await this.refreshMonthlyPerformance()
    return monthlyPerformanceQuery(this.ctx.runner.db, o)
  }

  /**
   * Brings `factor_monthly_performance` up to date; returns false where it cannot (see monthlyPerformance).
   * @example `await qdb.factors.refreshMonthlyPerformance()`
   */
  async refreshMonthlyPerformance(): Promise<boolean> {
    if (this.ctx.capabilities.timescale) {
      if (this.ctx.runner.inTransaction) return false
      await refreshWaitingForScheduler(this.ctx, `CALL refresh_continuous_aggregate('factor_monthly_performance', NULL, NULL)`)
    } else {
      await this.ctx.runner.exec('REFRESH MATERIALIZED VIEW factor_monthly_performance')
    }
    return true
  }
}
