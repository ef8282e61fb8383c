import { and, eq, sql, type SQL } from 'drizzle-orm'
import type { PgInsertValue } from 'drizzle-orm/pg-core'
import type { z } from 'zod'
import type { QueryRunner } from '../../drivers/types.js'
import { ValidationError } from '../../errors.js'
import { toQuantDbError } from '../../errors-map.js'
import { portfolio, trades } from '../../schema/index.js'
import { tradeInputSchema, type TradeInput } from '../../validation/portfolio.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { decimal, roundDiv } from './decimal.js'
import type { TradeResult } from './types.js'

// The trade arithmetic of docs/portfolio-arithmetic.md, in NUMERIC inside one transaction.
// Inputs go to the server as decimal text cast to NUMERIC, so 0.1 is 0.1, not the nearest double.

type ValidTrade = z.output<ReturnType<typeof tradeInputSchema>>

/** The trade's numbers as exact NUMERIC expressions, rounded to their columns' scales. */
interface TradeTerms {
  qty: SQL
  /** Executed price, already computed by the server (4 decimals). */
  px: SQL
  commission: SQL
  bps: SQL
}

const INT_MAX = 2_147_483_647
const NOT_LISTED = 'is not in tickers (add it with qdb.tickers.upsert first)'
const reject = (field: string, message: string) => new ValidationError('trades', [{ row: 0, field, message }])

/** Validates, then writes the trade and moves the position in one transaction (a savepoint inside one). @internal */
export async function applyTrade(ctx: RepoContext, input: TradeInput): Promise<TradeResult> {
  const trade = checkOne('trades', input, tradeInputSchema(ctx.options.regions))
  try {
    return await ctx.runner.transaction((tx) => (trade.tradeType === 'BUY' ? buy(tx, trade) : sell(tx, trade)))
  } catch (error) {
    throw asRejection(error)
  }
}

/** Executed price: reference × (1 ± bps/10000), against the trader, rounded to 4 decimals. */
function executedPriceSql(side: 'BUY' | 'SELL'): string {
  // (10000 ± bps) × 0.0001 multiplies exactly; only the final round() rounds.
  return `round($1::numeric * (10000 ${side === 'BUY' ? '+' : '-'} round($2::numeric, 2)) * 0.0001, 4)`
}

function terms(t: ValidTrade, px: string): TradeTerms {
  return {
    qty: sql`${t.quantity}::int`,
    px: sql`${px}::numeric`,
    commission: sql`round(${decimal(t.commission ?? 0)}::numeric, 4)`,
    bps: sql`round(${decimal(t.slippageBps ?? 0)}::numeric, 2)`,
  }
}

/** The `trades` columns every trade writes the same way. */
function tradeRow(t: ValidTrade, k: TradeTerms): PgInsertValue<typeof trades> {
  const row: PgInsertValue<typeof trades> = {
    ticker: t.ticker,
    region: t.region,
    tradeDate: t.tradeDate,
    tradeType: t.tradeType,
    quantity: t.quantity,
    price: k.px,
    totalAmount: sql`round(${k.qty} * ${k.px}, 2)`,
    commission: k.commission,
    slippageBps: k.bps,
    strategyName: t.strategyName ?? null,
    signalSource: t.signalSource ?? null,
    entryReason: t.entryReason ?? null,
    orderId: t.orderId ?? null,
    notes: t.notes ?? null,
  }
  if (t.executionTimestamp !== undefined) row.executionTimestamp = t.executionTimestamp
  return row
}

/**
 * BUY: INSERT ... ON CONFLICT DO UPDATE locks the position row (or creates it; two concurrent first
 * buys do not collide) and computes the new average from the row's latest committed version:
 * avg' = (q·avg + qty·px + commission) / (q + qty), rounded once to 4 decimals.
 */
async function buy(tx: QueryRunner, t: ValidTrade): Promise<TradeResult> {
  // The ticker is looked up here, not left to the foreign key: a failed statement would abort an
  // enclosing transaction, while a ValidationError leaves it usable.
  // So is the quantity already held (the row is locked only by the upsert below; a concurrent buy that
  // overflows anyway is still caught there).
  const [priced] = await tx.query<{ px: string; listed: boolean; held: number | string | null }>(
    `SELECT ${executedPriceSql('BUY')}::text AS px,
            EXISTS (SELECT 1 FROM tickers WHERE ticker = $3 AND region = $4) AS listed,
            (SELECT quantity FROM portfolio WHERE ticker = $3 AND region = $4) AS held`,
    [decimal(t.price), decimal(t.slippageBps ?? 0), t.ticker, t.region])
  if (!priced!.listed) throw reject('ticker', NOT_LISTED)
  if (Number(priced!.held ?? 0) + t.quantity > INT_MAX) throw reject('quantity', 'would take the position past 2,147,483,647 shares')
  const k = terms(t, priced!.px)
  const cost = sql`${k.qty} * ${k.px} + ${k.commission}`
  const [position] = await tx.db.insert(portfolio)
    .values({
      ticker: t.ticker,
      region: t.region,
      quantity: t.quantity,
      avgBuyPrice: roundDiv(cost, k.qty, 4),
      entryDate: t.tradeDate,
      entrySignal: t.signalSource ?? null,
      lastUpdated: sql`now()`,
    })
    .onConflictDoUpdate({
      target: [portfolio.ticker, portfolio.region],
      set: {
        quantity: sql`portfolio.quantity + ${k.qty}`,
        avgBuyPrice: roundDiv(sql`portfolio.quantity * portfolio.avg_buy_price + ${cost}`, sql`portfolio.quantity + ${k.qty}`, 4),
        lastUpdated: sql`now()`,
      },
    })
    .returning()
  const [trade] = await tx.db.insert(trades).values(tradeRow(t, k)).returning()
  return { trade: trade!, position }
}

/**
 * SELL: locks the position row (SELECT ... FOR UPDATE), rejects selling more than is held, then
 * realized = qty·px − commission − qty·avg (exact, 4 decimals), pct = realized / (qty·avg) (6 decimals),
 * hold_days = trade_date − entry_date. The average is unchanged; at zero the row is deleted.
 */
async function sell(tx: QueryRunner, t: ValidTrade): Promise<TradeResult> {
  const [held] = await tx.query<{ quantity: number | string; avg: string; entry: string; px: string }>(
    `SELECT quantity, avg_buy_price::text AS avg, entry_date::text AS entry, ${executedPriceSql('SELL')}::text AS px
     FROM portfolio WHERE ticker = $3 AND region = $4 FOR UPDATE`,
    [decimal(t.price), decimal(t.slippageBps ?? 0), t.ticker, t.region])
  if (!held) throw reject('quantity', 'cannot sell: no position is held in this ticker')
  const heldQuantity = Number(held.quantity)
  if (t.quantity > heldQuantity) throw reject('quantity', `must not exceed the ${heldQuantity} shares held`)
  if (t.tradeDate < held.entry) throw reject('tradeDate', "must not be before the position's entry date")
  if (!(Number(held.px) > 0)) throw reject('slippageBps', 'leaves an executed price below 0.0001')
  // The realized PnL must fit NUMERIC(18, 4) and its percent NUMERIC(10, 6) (a float estimate is enough
  // to refuse the absurd; a value right at the limit is still refused by the server).
  const basisEstimate = t.quantity * Number(held.avg)
  const pnlEstimate = t.quantity * Number(held.px) - (t.commission ?? 0) - basisEstimate
  if (Math.abs(pnlEstimate) >= 1e14 || Math.abs(pnlEstimate / basisEstimate) >= 1e4) {
    throw reject('price', 'gives a realized PnL beyond its columns (NUMERIC(18, 4), percent NUMERIC(10, 6))')
  }

  const k = terms(t, held.px)
  const basis = sql`${k.qty} * ${held.avg}::numeric`
  const realized = sql`${k.qty} * ${k.px} - ${k.commission} - ${basis}`
  const [trade] = await tx.db.insert(trades)
    .values({
      ...tradeRow(t, k),
      realizedPnl: sql`round(${realized}, 4)`,
      realizedPnlPct: roundDiv(realized, basis, 6),
      holdDays: sql`${t.tradeDate}::date - ${held.entry}::date`,
    })
    .returning()
  const key = and(eq(portfolio.ticker, t.ticker), eq(portfolio.region, t.region))
  if (t.quantity === heldQuantity) {
    await tx.db.delete(portfolio).where(key)
    return { trade: trade!, position: undefined }
  }
  const [position] = await tx.db.update(portfolio)
    .set({ quantity: sql`${portfolio.quantity} - ${k.qty}`, lastUpdated: sql`now()` })
    .where(key)
    .returning()
  return { trade: trade!, position }
}

/** Database refusals that are really bad input become ValidationErrors naming the field. */
function asRejection(thrown: unknown): unknown {
  if (thrown instanceof ValidationError) return thrown
  // drizzle's queries on the embedded engine surface the engine's own error: map it here.
  const error = toQuantDbError(thrown)
  if (error.code === '23503') return reject('ticker', NOT_LISTED) // the ticker was deleted meanwhile
  if (error.code === '22003') {
    return reject('(row)', 'a computed value does not fit its column (INTEGER quantity, NUMERIC prices, amounts and PnL)')
  }
  return error
}
