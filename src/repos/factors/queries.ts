import { and, asc, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm'
import type { QuantDatabase } from '../../drivers/types.js'
import { factorMonthlyPerformance, factorScores, tickers } from '../../schema/index.js'
import type { Signal, TickerKey } from '../../validation/factors.js'

/**
 * Spec 8.1 query 2. The signal is written into the SQL as a literal (it is one of three validated
 * constants, never a caller's string): with a bound parameter the planner could not prove
 * `signal = 'BUY'`, and a generic plan (postgres.js prepares statements, and PostgreSQL switches to a
 * generic plan after five runs) would never use the partial index `idx_factor_buy_signals`.
 * Exported so the tests can EXPLAIN exactly this statement.
 */
export function topSignalsQuery(db: QuantDatabase, o: { calculationDate: string; signal: Signal; region?: string | undefined; limit: number }) {
  const where: SQL[] = [
    eq(factorScores.calculationDate, o.calculationDate),
    sql`${factorScores.signal} = ${sql.raw(`'${o.signal}'`)}`,
  ]
  if (o.region !== undefined) where.push(eq(factorScores.region, o.region))
  // `total_score DESC` is NULLS FIRST, the order of both partial indexes (the library always stores
  // a total). Ties are broken by ticker and region so that the cut at `limit` is deterministic: the
  // index still supplies the score order and the planner adds an Incremental Sort for the ties.
  return db.select().from(factorScores).where(and(...where))
    .orderBy(desc(factorScores.totalScore), asc(factorScores.ticker), asc(factorScores.region))
    .limit(o.limit)
}

/**
 * The newest row of each `(ticker, region)`: a LATERAL `ORDER BY calculation_date DESC LIMIT 1` per
 * key, which walks `idx_factor_ticker_date` (and, on a hypertable, stops at the first chunk that has
 * a row) instead of reading every day of every ticker as DISTINCT ON would. The keys are taken from
 * `tickers`, which every score row references (foreign key).
 */
export function latestQuery(db: QuantDatabase, keys: readonly TickerKey[]) {
  const newest = db.select().from(factorScores)
    .where(and(eq(factorScores.ticker, tickers.ticker), eq(factorScores.region, tickers.region)))
    .orderBy(desc(factorScores.calculationDate))
    .limit(1)
    .as('newest')
  const pairs = sql.join(keys.map((k) => sql`(${k.ticker}, ${k.region})`), sql`, `)
  return db.select().from(tickers)
    .crossJoinLateral(newest)
    .where(sql`(${tickers.ticker}, ${tickers.region}) IN (${pairs})`)
}

/** One ticker's rows between two days (inclusive), oldest first. */
export function historyQuery(db: QuantDatabase, ticker: string, region: string, from?: string, to?: string) {
  const where: SQL[] = [eq(factorScores.ticker, ticker), eq(factorScores.region, region)]
  if (from !== undefined) where.push(gte(factorScores.calculationDate, from))
  if (to !== undefined) where.push(lte(factorScores.calculationDate, to))
  return db.select().from(factorScores).where(and(...where)).orderBy(asc(factorScores.calculationDate))
}

/** The first day of the month of an ISO date: '2024-03-17' → '2024-03-01'. */
const monthStart = (isoDate: string): string => `${isoDate.slice(0, 7)}-01`

/** Spec 4.2's aggregate, filtered; months are the first day of the month. */
export function monthlyPerformanceQuery(
  db: QuantDatabase,
  o: { region?: string | undefined; signal?: Signal | undefined; from?: string | undefined; to?: string | undefined },
) {
  const v = factorMonthlyPerformance
  const where: SQL[] = []
  if (o.region !== undefined) where.push(eq(v.region, o.region))
  if (o.signal !== undefined) where.push(eq(v.signal, o.signal))
  if (o.from !== undefined) where.push(gte(v.month, monthStart(o.from)))
  if (o.to !== undefined) where.push(lte(v.month, o.to))
  return db.select().from(v).where(and(...where))
    .orderBy(asc(v.month), asc(v.region), sql`${v.signal} ASC NULLS LAST`)
}
