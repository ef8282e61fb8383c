import { sql } from 'drizzle-orm'
import {
  check, date, foreignKey, index, integer, numeric, pgTable, serial, text, timestamp, unique, varchar,
} from 'drizzle-orm/pg-core'
import { tickers } from './tickers.js'

/** Current portfolio holdings and positions (spec 2.5). */
export const portfolio = pgTable(
  'portfolio',
  {
    portfolioId: serial('portfolio_id').primaryKey(),
    ticker: varchar('ticker', { length: 20 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    quantity: integer('quantity').notNull(),
    avgBuyPrice: numeric('avg_buy_price', { precision: 18, scale: 4, mode: 'number' }).notNull(),
    currentPrice: numeric('current_price', { precision: 18, scale: 4, mode: 'number' }),
    unrealizedPnl: numeric('unrealized_pnl', { precision: 18, scale: 4, mode: 'number' }),
    unrealizedPnlPct: numeric('unrealized_pnl_pct', { precision: 10, scale: 6, mode: 'number' }),
    positionValue: numeric('position_value', { precision: 18, scale: 2, mode: 'number' }),
    weight: numeric('weight', { precision: 10, scale: 6, mode: 'number' }),

    stopLossPrice: numeric('stop_loss_price', { precision: 18, scale: 4, mode: 'number' }),
    takeProfitPrice: numeric('take_profit_price', { precision: 18, scale: 4, mode: 'number' }),
    trailingStopDistance: numeric('trailing_stop_distance', { precision: 10, scale: 6, mode: 'number' }),

    entryDate: date('entry_date', { mode: 'string' }).notNull(),
    entrySignal: varchar('entry_signal', { length: 50 }),
    lastRebalanceDate: date('last_rebalance_date', { mode: 'string' }),
    notes: text('notes'),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    unique('portfolio_ticker_region_key').on(t.ticker, t.region),
    index('idx_portfolio_region').on(t.region),
    index('idx_portfolio_weight').on(t.weight.desc().nullsFirst()),
    index('idx_portfolio_pnl').on(t.unrealizedPnlPct.desc().nullsFirst()),
    // 5.3: open positions only
    index('idx_portfolio_open_positions').on(t.ticker, t.region, t.weight.desc().nullsFirst()).where(sql`quantity > 0`),
    foreignKey({
      name: 'fk_portfolio_ticker',
      columns: [t.ticker, t.region],
      foreignColumns: [tickers.ticker, tickers.region],
    }).onDelete('cascade'),
    check('chk_portfolio_quantity', sql`quantity > 0`),
  ],
)

/** A stored `portfolio` row: one open position. */
export type PortfolioRow = typeof portfolio.$inferSelect
/** A `portfolio` row as drizzle inserts it. */
export type NewPortfolioRow = typeof portfolio.$inferInsert
