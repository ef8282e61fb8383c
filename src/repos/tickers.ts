import { and, asc, eq, gt, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import { NotFoundError, ValidationError, type ValidationIssue } from '../errors.js'
import { chunks, rowsPerStatement } from '../internal/batch.js'
import { tickers, type TickerRow } from '../schema/index.js'
import { tickerInputSchema, type TickerInput } from '../validation/ticker.js'
import { checkOne, checkRows, MAX_ISSUES } from '../validation/validate.js'
import { jsonDocument } from '../validation/json.js'
import { isoDate, regionCode, tickerCode } from '../validation/rules.js'
import type { RepoContext } from './context.js'
import { z } from 'zod'
import { nameString } from '../validation/text.js'

export type { TickerInput }
export type Ticker = TickerRow

export interface TickerListOptions {
  region?: string | undefined
  market?: string | undefined
  sector?: string | undefined
  /** Only `is_active = TRUE` (uses the partial indexes). */
  activeOnly?: boolean | undefined
  /** JSONB containment: `{ exchange: 'KOSPI' }` matches tickers whose metadata contains it (GIN index). */
  metadata?: Record<string, unknown> | undefined
  /** `marketCap`: largest first, unknown caps last. Default: ticker, region. */
  orderBy?: 'marketCap' | 'ticker' | undefined
  /** Page size and start (both integers >= 0). */
  limit?: number | undefined
  offset?: number | undefined
}

const COLUMN_OF: Record<string, string> = {
  market: 'market', sector: 'sector', industry: 'industry', marketCap: 'market_cap', listedDate: 'listed_date',
  delistedDate: 'delisted_date', isActive: 'is_active', metadata: 'metadata',
}

const listOptionsSchema = z.object({
  region: nameString.optional(),
  market: nameString.optional(),
  sector: nameString.optional(),
  activeOnly: z.boolean().optional(),
  metadata: jsonDocument.optional(),
  orderBy: z.enum(['marketCap', 'ticker']).optional(),
  limit: z.number().int().min(0).optional(),
  offset: z.number().int().min(0).optional(),
}).strict()

/** Two rows for one `(ticker, region)` in a call would make the merge fail halfway: reject the call first. */
function rejectDuplicateKeys(rows: readonly { row: number; value: TickerInput }[]): void {
  const firstRow = new Map<string, number>()
  const issues: ValidationIssue[] = []
  for (const { row, value } of rows) {
    const key = `${value.ticker}\u0000${value.region}`
    const first = firstRow.get(key)
    if (first === undefined) firstRow.set(key, row)
    else issues.push({ row, field: 'ticker', message: `duplicates row ${first} (same ticker and region)` })
  }
  if (issues.length > 0) throw new ValidationError('tickers', issues.slice(0, MAX_ISSUES))
}

/**
 * `qdb.tickers`: the ticker universe. A delisted ticker is marked, never deleted: its history stays
 * (DESIGN.md 6). `purge` is the one real delete, and it removes every dependent row itself.
 */
export class TickerRepo {
  constructor(protected readonly ctx: RepoContext) {}

  /**
   * Inserts or updates by `(ticker, region)`; fields left out keep their stored value, and
   * `last_updated` is refreshed. All rows or none: a bad row, or two rows with the same key,
   * throws a ValidationError naming row and field before anything is written.
   *
   * @example
   * ```ts
   * await qdb.tickers.upsert([{ ticker: '005930', region: 'KR', market: 'KOSPI', sector: 'Tech', marketCap: 4.3e14 }])
   * ```
   */
  async upsert(rows: readonly TickerInput[]): Promise<{ inserted: number; updated: number }> {
    const { valid } = checkRows('tickers', rows, tickerInputSchema(this.ctx.options.regions))
    rejectDuplicateKeys(valid)
    // Rows are grouped by the fields they carry, so an update never blanks a field a row left out.
    const groups = new Map<string, TickerInput[]>()
    for (const { value } of valid) {
      const keys = Object.keys(value).filter((k) => k in COLUMN_OF && value[k as keyof TickerInput] !== undefined).sort()
      const key = keys.join(',')
      const group = groups.get(key)
      if (group) group.push(value)
      else groups.set(key, [value])
    }
    const size = rowsPerStatement(11, this.ctx.limits)
    return this.ctx.runner.transaction(async (tx) => {
      let inserted = 0
      let updated = 0
      for (const [key, group] of groups) {
        const set: Record<string, SQL> = { lastUpdated: sql`now()` }
        for (const field of key ? key.split(',') : []) set[field] = sql.raw(`excluded."${COLUMN_OF[field]}"`)
        for (const part of chunks(group, size)) {
          const result = await tx.db.insert(tickers).values(part)
            .onConflictDoUpdate({ target: [tickers.ticker, tickers.region], set })
            .returning({ inserted: sql<boolean>`(xmax = 0)` })
          for (const r of result) r.inserted ? inserted++ : updated++
        }
      }
      return { inserted, updated }
    })
  }

  /**
   * The ticker, or `undefined` when there is none.
   * @example `const t = await qdb.tickers.find('005930', 'KR') // Ticker | undefined`
   */
  async find(ticker: string, region: string): Promise<Ticker | undefined> {
    const [row] = await this.ctx.runner.db.select().from(tickers)
      .where(and(eq(tickers.ticker, ticker), eq(tickers.region, region)))
    return row
  }

  /**
   * The ticker; throws NotFoundError carrying `{ ticker, region }` when there is none.
   * @example `const { sector, marketCap } = await qdb.tickers.get('005930', 'KR')`
   */
  async get(ticker: string, region: string): Promise<Ticker> {
    const row = await this.find(ticker, region)
    if (!row) throw new NotFoundError('tickers', { ticker, region })
    return row
  }

  /**
   * Filtered, ordered, paged listing.
   * @example
   * ```ts
   * const top = await qdb.tickers.list({ region: 'KR', activeOnly: true, orderBy: 'marketCap', limit: 100 })
   * const kospi = await qdb.tickers.list({ metadata: { exchange: 'KOSPI' } })
   * ```
   */
  async list(options: TickerListOptions = {}): Promise<Ticker[]> {
    checkOne('tickers', options, listOptionsSchema)
    const where: SQL[] = []
    if (options.region !== undefined) where.push(eq(tickers.region, options.region))
    if (options.market !== undefined) where.push(eq(tickers.market, options.market))
    if (options.sector !== undefined) where.push(eq(tickers.sector, options.sector))
    if (options.activeOnly) where.push(sql`${tickers.isActive} = TRUE`)
    if (options.metadata !== undefined) where.push(sql`${tickers.metadata} @> ${JSON.stringify(options.metadata)}::jsonb`)
    const order = options.orderBy === 'marketCap'
      ? [sql`${tickers.marketCap} DESC NULLS LAST`, asc(tickers.ticker), asc(tickers.region)]
      : [asc(tickers.ticker), asc(tickers.region)]
    const query = this.ctx.runner.db.select().from(tickers).where(and(...where)).orderBy(...order)
    if (options.limit !== undefined) query.limit(options.limit)
    if (options.offset !== undefined) query.offset(options.offset)
    return query
  }

  /**
   * Marks a ticker delisted on `date` (inactive, `delisted_date` set). Its bars, scores and trades stay.
   * @example `await qdb.tickers.delist('000000', 'KR', '2024-06-28')`
   */
  async delist(ticker: string, region: string, date: string): Promise<Ticker> {
    checkOne('tickers', { ticker, region, date }, z.object({ ticker: tickerCode, region: regionCode(this.ctx.options.regions), date: isoDate }))
    const [row] = await this.ctx.runner.db.update(tickers)
      .set({ isActive: false, delistedDate: date, lastUpdated: sql`now()` })
      .where(and(eq(tickers.ticker, ticker), eq(tickers.region, region)))
      .returning()
    if (!row) throw new NotFoundError('tickers', { ticker, region })
    return row
  }

  /**
   * The universe as it was on `date`: listed on or before it and not yet delisted — survivorship-free
   * backtests include the tickers that later died. Unknown listing dates count as listed.
   * @example `const universe = await qdb.tickers.universeAsOf('2020-03-16', { region: 'KR' })`
   */
  async universeAsOf(date: string, options: { region?: string | undefined; sector?: string | undefined } = {}): Promise<Ticker[]> {
    checkOne('tickers', { date }, z.object({ date: isoDate }))
    const where: (SQL | undefined)[] = [
      or(isNull(tickers.listedDate), lte(tickers.listedDate, date)),
      or(isNull(tickers.delistedDate), gt(tickers.delistedDate, date)),
    ]
    if (options.region !== undefined) where.push(eq(tickers.region, options.region))
    if (options.sector !== undefined) where.push(eq(tickers.sector, options.sector))
    return this.ctx.runner.db.select().from(tickers).where(and(...where)).orderBy(asc(tickers.ticker), asc(tickers.region))
  }

  /**
   * Deletes a ticker and everything that refers to it — bars, scores (compressed chunks included),
   * trades, the position — in one transaction. The foreign keys' ON DELETE CASCADE is not relied on:
   * on some TimescaleDB versions it leaves compressed rows behind (DESIGN.md 6). Returns the rows
   * deleted per table; throws NotFoundError (and deletes nothing) for an unknown ticker.
   * @example `const deleted = await qdb.tickers.purge('000000', 'KR') // { ohlcv_data: 2500, ..., tickers: 1 }`
   */
  async purge(ticker: string, region: string): Promise<Record<string, number>> {
    return this.ctx.runner.transaction(async (tx) => {
      const deleted: Record<string, number> = {}
      for (const table of ['ohlcv_data', 'factor_scores', 'trades', 'portfolio', 'tickers']) {
        const rows = await tx.query(`DELETE FROM ${table} WHERE ticker = $1 AND region = $2 RETURNING 1`, [ticker, region])
        deleted[table] = rows.length
      }
      if (deleted['tickers'] === 0) throw new NotFoundError('tickers', { ticker, region })
      return deleted
    })
  }
}
