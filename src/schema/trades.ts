import { sql } from 'drizzle-orm'
import {
  check, date, foreignKey, index, integer, numeric, pgTable, serial, text, timestamp, varchar,
} from 'drizzle-orm/pg-core'
import { tickers } from './tickers.js'

/** Trade execution history and performance tracking (spec 2.6). */
export const trades = pgTable(
  'trades',
  {
    tradeId: serial('trade_id').primaryKey(),
    ticker: varchar('ticker', { length: 20 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    tradeDate: date('trade_date', { mode: 'string' }).notNull(),
    tradeType: varchar('trade_type', { length: 10 }).notNull().$type<'BUY' | 'SELL'>(),
    quantity: integer('quantity').notNull(),
    price: numeric('price', { precision: 18, scale: 4, mode: 'number' }).notNull(),
    totalAmount: numeric('total_amount', { precision: 18, scale: 2, mode: 'number' }).notNull(),
    commission: numeric('commission', { precision: 18, scale: 4, mode: 'number' }),
    slippageBps: numeric('slippage_bps', { precision: 6, scale: 2, mode: 'number' }),

    strategyName: varchar('strategy_name', { length: 100 }),
    signalSource: varchar('signal_source', { length: 50 }),
    entryReason: text('entry_reason'),

    realizedPnl: numeric('realized_pnl', { precision: 18, scale: 4, mode: 'number' }),
    realizedPnlPct: numeric('realized_pnl_pct', { precision: 10, scale: 6, mode: 'number' }),
    holdDays: integer('hold_days'),

    orderId: varchar('order_id', { length: 50 }),
    executionTimestamp: timestamp('execution_timestamp', { withTimezone: true }).defaultNow(),
    notes: text('notes'),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    index('idx_trades_ticker_region').on(t.ticker, t.region, t.tradeDate.desc().nullsFirst()),
    index('idx_trades_date').on(t.tradeDate.desc().nullsFirst()),
    index('idx_trades_type').on(t.tradeType),
    index('idx_trades_strategy').on(t.strategyName),
    foreignKey({
      name: 'fk_trades_ticker',
      columns: [t.ticker, t.region],
      foreignColumns: [tickers.ticker, tickers.region],
    }).onDelete('cascade'),
    check('chk_trades_quantity', sql`quantity > 0`),
    check('chk_trades_price', sql`price > 0`),
  ],
)

/** A stored `trades` row. */
export type TradeRow = typeof trades.$inferSelect
/** A `trades` row as drizzle inserts it. */
export type NewTradeRow = typeof trades.$inferInsert
