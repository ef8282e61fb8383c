import { sql } from 'drizzle-orm'
import {
  bigint, boolean, date, index, jsonb, pgTable, primaryKey, timestamp, varchar,
} from 'drizzle-orm/pg-core'

/** Free-form ticker metadata (spec: "e.g., exchange, currency"). */
export type TickerMetadata = Record<string, unknown>

/** Ticker universe across all supported regions (spec 2.1). */
export const tickers = pgTable(
  'tickers',
  {
    ticker: varchar('ticker', { length: 20 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    market: varchar('market', { length: 20 }),
    sector: varchar('sector', { length: 50 }),
    industry: varchar('industry', { length: 100 }),
    marketCap: bigint('market_cap', { mode: 'number' }),
    listedDate: date('listed_date', { mode: 'string' }),
    delistedDate: date('delisted_date', { mode: 'string' }),
    isActive: boolean('is_active').default(true),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
    metadata: jsonb('metadata').$type<TickerMetadata>(),
  },
  (t) => [
    primaryKey({ name: 'tickers_pkey', columns: [t.ticker, t.region] }),
    index('idx_tickers_region').on(t.region),
    index('idx_tickers_sector').on(t.sector),
    index('idx_tickers_market_cap').on(t.marketCap.desc().nullsFirst()),
    index('idx_tickers_is_active').on(t.isActive).where(sql`is_active = TRUE`),
    index('idx_tickers_metadata').using('gin', t.metadata),
    // 5.3: active tickers only
    index('idx_tickers_active_by_sector').on(t.sector, t.marketCap.desc().nullsFirst()).where(sql`is_active = TRUE`),
  ],
)

/** A stored `tickers` row. */
export type TickerRow = typeof tickers.$inferSelect
/** A `tickers` row as drizzle inserts it. */
export type NewTickerRow = typeof tickers.$inferInsert
