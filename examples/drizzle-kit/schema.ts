/**
 * A service's own table next to `@quant/db/schema`: a watch list whose rows reference the library's
 * `tickers`. drizzle-kit generates this service's migrations from this file alone
 * (examples/drizzle-kit/drizzle.config.ts); the library's tables stay the library's (`qdb.migrate()`).
 */
import { foreignKey, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core'
import { tickers } from '@quant/db/schema'

export const watchlist = pgTable('watchlist', {
  id: serial('id').primaryKey(),
  ticker: varchar('ticker', { length: 20 }).notNull(),
  region: varchar('region', { length: 5 }).notNull(),
  note: text('note'),
  addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  foreignKey({ columns: [t.ticker, t.region], foreignColumns: [tickers.ticker, tickers.region], name: 'watchlist_ticker_fk' }),
])
