import { and, asc, eq, getTableColumns, gt, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import { NotFoundError, ValidationError, type ValidationIssue } from '../errors.js'
import { chunks, rowsPerStatement } from '../internal/batch.js'
import { tickers, type TickerRow } from '../schema/index.js'
import { tickerInputSchema, type TickerInput } from '../validation/ticker.js'
import { checkOne, checkRows, MAX_ISSUES, type RejectedRow } from '../validation/validate.js'
import { perRegions } from '../internal/fast-select.js'
import type { TickerKey } from '../validation/factors.js'
import type { PurgeResult, WriteOptions, WriteResult } from './write-result.js'
import { jsonDocument } from '../validation/json.js'
import { isoDate, regionCode, tickerCode } from '../validation/rules.js'
import type { RepoContext } from './context.js'
import { z } from 'zod'
import { name } from '../validation/text.js'

export type { TickerInput }
export type { PurgeResult, WriteOptions, WriteResult } from './write-result.js'
/** A stored ticker (`tickers` row). */
export type Ticker = TickerRow

/** Arguments of `qdb.tickers.list`. */
export interface TickerListOptions {
  /** Only this region, e.g. `KR`. */
  region?: string | undefined
  /** Only this market, e.g. `KOSPI`. */
  market?: string | undefined
  /** Only this sector (exact match). */
  sector?: string | undefined
  /** Only `is_active = TRUE` (uses the partial indexes). */
  activeOnly?: boolean | undefined
  /** JSONB containment: `{ exchange: 'KOSPI' }` matches tickers whose metadata contains it (GIN index). */
  metadata?: Record<string, unknown> | undefined
  /** `marketCap`: largest first, unknown caps last. Default: ticker, region. */
  orderBy?: 'marketCap' | 'ticker' | undefined
  /** Page size (integer >= 1; default: all rows) and start (integer >= 0). */
  limit?: number | undefined
  /** Rows to skip, for paging with `limit` (a whole number >= 0; default 0). */
  offset?: number | undefined
}

/** Arguments of `qdb.tickers.delist`. */
export interface DelistOptions extends TickerKey {
  /** The day it was delisted, 'YYYY-MM-DD'. */
  delistedDate: string
}

/** Arguments of `qdb.tickers.universeAsOf`. */
export interface UniverseOptions {
  /** The day, 'YYYY-MM-DD'. */
  date: string
  /** Only this region. */
  region?: string | undefined
  /** Only this sector (exact match). */
  sector?: string | undefined
}

/** The updatable columns: every field of the drizzle table but the key and `lastUpdated` (which the merge sets itself). */
const UPDATABLE: ReadonlyMap<string, string> = new Map(
  Object.entries(getTableColumns(tickers))
    .filter(([field]) => field !== 'ticker' && field !== 'region' && field !== 'lastUpdated')
    .map(([field, column]) => [field, column.name]),
)

const inputSchema = perRegions(tickerInputSchema)
const keySchema = perRegions((regions) => z.object({ ticker: tickerCode, region: regionCode(regions) }).strict())
const delistSchema = perRegions((regions) => z.object({ ticker: tickerCode, region: regionCode(regions), delistedDate: isoDate }).strict())
const universeSchema = perRegions((regions) => z.object({
  date: isoDate, region: regionCode(regions).optional(), sector: name(50).optional(),
}).strict())
const listOptionsSchema = perRegions((regions) => z.object({
  region: regionCode(regions).optional(),
  market: name(20).optional(),
  sector: name(50).optional(),
  activeOnly: z.boolean().optional(),
  metadata: jsonDocument.optional(),
  orderBy: z.enum(['marketCap', 'ticker']).optional(),
  limit: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  offset: z.number().int('must be a whole number').min(0, 'must not be negative').optional(),
}).strict())
const writeOptionsSchema = z.object({ onInvalid: z.enum(['throw', 'skip']).optional() }).strict()

/** Two rows for one `(ticker, region)` in a call would make the merge fail halfway: the second is a bad row. */
function splitDuplicateKeys(
  rows: readonly { row: number; value: TickerInput }[],
  inputs: readonly TickerInput[],
): { valid: { row: number; value: TickerInput }[]; rejected: RejectedRow<TickerInput>[] } {
  const firstRow = new Map<string, number>()
  const valid: { row: number; value: TickerInput }[] = []
  const rejected: RejectedRow<TickerInput>[] = []
  for (const v of rows) {
    const key = `${v.value.ticker}\u0000${v.value.region}`
    const first = firstRow.get(key)
    if (first === undefined) {
      firstRow.set(key, v.row)
      valid.push(v)
    } else {
      const issue: ValidationIssue = { row: v.row, field: 'ticker', message: `duplicates row ${first} (same ticker and region)` }
      rejected.push({ row: v.row, input: inputs[v.row] as TickerInput, issues: [issue] })
    }
  }
  return { valid, rejected }
}

/**
 * `qdb.tickers`: the ticker universe. A delisted ticker is marked, never deleted: its history stays. `purge` is the one real delete, and it removes every dependent row itself.
 */
export class TickerRepo {
  /** The database or transaction and the settings this repository works with. @internal */
  protected readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

  /**
   * Inserts or updates by `(ticker, region)`; fields left out keep their stored value. A row whose
   * given fields already hold the same values is counted `unchanged` and not rewritten; a changed one
   * gets a fresh `last_updated`. By default all rows or none: a bad row, or two rows with the same key,
   * throws a ValidationError naming row and field before anything is written; with `onInvalid: 'skip'`
   * they are returned in `rejectedRows` and the rest is written.
   *
   * @example
   * ```ts
   * await qdb.tickers.upsert([{ ticker: '005930', region: 'KR', market: 'KOSPI', sector: 'Tech', marketCap: 4.3e14 }])
   * ```
   */
  async upsert(rows: readonly TickerInput[], options: WriteOptions = {}): Promise<WriteResult<TickerInput>> {
    const { onInvalid = 'throw' } = checkOne('tickers', options, writeOptionsSchema)
    const checked = checkRows('tickers', rows, inputSchema(this.ctx.options.regions), onInvalid)
    const { valid, rejected: duplicates } = splitDuplicateKeys(checked.valid, rows)
    if (onInvalid === 'throw' && duplicates.length > 0) {
      throw new ValidationError('tickers', duplicates.flatMap((r) => r.issues).slice(0, MAX_ISSUES))
    }
    const rejectedRows = [...checked.rejected, ...duplicates].sort((a, b) => a.row - b.row)
    const result: WriteResult<TickerInput> = { inserted: 0, updated: 0, unchanged: 0, rejected: rejectedRows.length, rejectedRows }
    // Rows are grouped by the fields they carry, so an update never blanks a field a row left out.
    const groups = new Map<string, TickerInput[]>()
    for (const { value } of valid) {
      const keys = Object.keys(value).filter((k) => UPDATABLE.has(k) && value[k as keyof TickerInput] !== undefined).sort()
      const key = keys.join(',')
      const group = groups.get(key)
      if (group) group.push(value)
      else groups.set(key, [value])
    }
    if (groups.size === 0) return result
    const size = rowsPerStatement(UPDATABLE.size + 2, this.ctx.limits)
    return this.ctx.runner.transaction(async (tx) => {
      for (const [key, group] of groups) {
        const fields = key ? key.split(',') : []
        const set: Record<string, SQL> = { lastUpdated: sql`now()` }
        for (const field of fields) set[field] = sql.raw(`excluded."${UPDATABLE.get(field)}"`)
        // A row whose given fields already hold these values is left alone (and counted unchanged).
        const differs = fields.length === 0 ? sql`FALSE` : sql.raw(
          `(${fields.map((f) => `"tickers"."${UPDATABLE.get(f)}"`).join(', ')}, NULL) IS DISTINCT FROM (${fields.map((f) => `excluded."${UPDATABLE.get(f)}"`).join(', ')}, NULL)`,
        )
        for (const part of chunks(group, size)) {
          const written = await tx.db.insert(tickers).values(part)
            .onConflictDoUpdate({ target: [tickers.ticker, tickers.region], set, setWhere: differs })
            .returning({ inserted: sql<boolean>`(xmax = 0)` })
          for (const r of written) r.inserted ? result.inserted++ : result.updated++
          result.unchanged += part.length - written.length
        }
      }
      return result
    })
  }

  /**
   * The ticker, or `undefined` when there is none.
   * @example `const t = await qdb.tickers.find({ ticker: '005930', region: 'KR' }) // Ticker | undefined`
   */
  async find(key: TickerKey): Promise<Ticker | undefined> {
    const { ticker, region } = checkOne('tickers', key, keySchema(this.ctx.options.regions))
    const [row] = await this.ctx.runner.db.select().from(tickers)
      .where(and(eq(tickers.ticker, ticker), eq(tickers.region, region)))
    return row
  }

  /**
   * The ticker; throws NotFoundError carrying `{ ticker, region }` when there is none.
   * @example `const { sector, marketCap } = await qdb.tickers.get({ ticker: '005930', region: 'KR' })`
   */
  async get(key: TickerKey): Promise<Ticker> {
    const row = await this.find(key)
    if (!row) throw new NotFoundError('tickers', { ticker: key.ticker, region: key.region })
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
    const o = checkOne('tickers', options, listOptionsSchema(this.ctx.options.regions))
    const where: SQL[] = []
    if (o.region !== undefined) where.push(eq(tickers.region, o.region))
    if (o.market !== undefined) where.push(eq(tickers.market, o.market))
    if (o.sector !== undefined) where.push(eq(tickers.sector, o.sector))
    if (o.activeOnly) where.push(sql`${tickers.isActive} = TRUE`)
    if (o.metadata !== undefined) where.push(sql`${tickers.metadata} @> ${JSON.stringify(o.metadata)}::jsonb`)
    const order = o.orderBy === 'marketCap'
      ? [sql`${tickers.marketCap} DESC NULLS LAST`, asc(tickers.ticker), asc(tickers.region)]
      : [asc(tickers.ticker), asc(tickers.region)]
    const query = this.ctx.runner.db.select().from(tickers).where(and(...where)).orderBy(...order)
    if (o.limit !== undefined) query.limit(o.limit)
    if (o.offset !== undefined) query.offset(o.offset)
    return query
  }

  /**
   * Marks a ticker delisted on `delistedDate` (inactive, `delisted_date` set). Its bars, scores and trades stay.
   * @example `await qdb.tickers.delist({ ticker: '000000', region: 'KR', delistedDate: '2024-06-28' })`
   */
  async delist(options: DelistOptions): Promise<Ticker> {
    const { ticker, region, delistedDate } = checkOne('tickers', options, delistSchema(this.ctx.options.regions))
    const [row] = await this.ctx.runner.db.update(tickers)
      .set({ isActive: false, delistedDate, lastUpdated: sql`now()` })
      .where(and(eq(tickers.ticker, ticker), eq(tickers.region, region)))
      .returning()
    if (!row) throw new NotFoundError('tickers', { ticker, region })
    return row
  }

  /**
   * The universe as it was on `date`: listed on or before it and not yet delisted — survivorship-free
   * backtests include the tickers that later died. Unknown listing dates count as listed.
   * @example `const universe = await qdb.tickers.universeAsOf({ date: '2020-03-16', region: 'KR' })`
   */
  async universeAsOf(options: UniverseOptions): Promise<Ticker[]> {
    const { date, region, sector } = checkOne('tickers', options, universeSchema(this.ctx.options.regions))
    const where: (SQL | undefined)[] = [
      or(isNull(tickers.listedDate), lte(tickers.listedDate, date)),
      or(isNull(tickers.delistedDate), gt(tickers.delistedDate, date)),
    ]
    if (region !== undefined) where.push(eq(tickers.region, region))
    if (sector !== undefined) where.push(eq(tickers.sector, sector))
    return this.ctx.runner.db.select().from(tickers).where(and(...where)).orderBy(asc(tickers.ticker), asc(tickers.region))
  }

  /**
   * Deletes a ticker and everything that refers to it — bars, scores (compressed chunks included),
   * trades, the position — in one transaction. The foreign keys' ON DELETE CASCADE is not relied on:
   * on some TimescaleDB versions it leaves compressed rows behind. Returns the rows deleted per
   * table; throws NotFoundError (and deletes nothing) for an unknown ticker.
   * @example `const { deleted, tables } = await qdb.tickers.purge({ ticker: '000000', region: 'KR' }) // tables.ohlcvData: 2500, ...`
   */
  async purge(key: TickerKey): Promise<PurgeResult> {
    const { ticker, region } = checkOne('tickers', key, keySchema(this.ctx.options.regions))
    return this.ctx.runner.transaction(async (tx) => {
      const count = async (table: string) =>
        (await tx.query(`DELETE FROM ${table} WHERE ticker = $1 AND region = $2 RETURNING 1`, [ticker, region])).length
      // Dependents first, the ticker last (the foreign keys).
      const tables = {
        ohlcvData: await count('ohlcv_data'), factorScores: await count('factor_scores'),
        trades: await count('trades'), portfolio: await count('portfolio'), tickers: await count('tickers'),
      }
      if (tables.tickers === 0) throw new NotFoundError('tickers', { ticker, region })
      return { deleted: Object.values(tables).reduce((a, b) => a + b, 0), tables }
    })
  }
}
