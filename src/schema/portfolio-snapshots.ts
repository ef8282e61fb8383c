import { date, index, jsonb, numeric, pgTable, primaryKey, timestamp } from 'drizzle-orm/pg-core'

/** Daily portfolio snapshots for performance analysis (spec 2.7). A hypertable on `snapshot_date` (3 months). */
export const portfolioSnapshots = pgTable(
  'portfolio_snapshots',
  {
    snapshotDate: date('snapshot_date', { mode: 'string' }).notNull(),
    totalValue: numeric('total_value', { precision: 18, scale: 2, mode: 'number' }).notNull(),
    cash: numeric('cash', { precision: 18, scale: 2, mode: 'number' }).notNull(),
    investedValue: numeric('invested_value', { precision: 18, scale: 2, mode: 'number' }).notNull(),
    unrealizedPnl: numeric('unrealized_pnl', { precision: 18, scale: 4, mode: 'number' }),
    dailyReturn: numeric('daily_return', { precision: 10, scale: 6, mode: 'number' }),
    cumulativeReturn: numeric('cumulative_return', { precision: 10, scale: 6, mode: 'number' }),
    positions: jsonb('positions').$type<unknown[]>(),
    sectorExposures: jsonb('sector_exposures').$type<Record<string, number>>(),
    regionExposures: jsonb('region_exposures').$type<Record<string, number>>(),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'portfolio_snapshots_pkey', columns: [t.snapshotDate] }),
    index('idx_portfolio_snapshots_date').on(t.snapshotDate.desc().nullsFirst()),
  ],
)

/** A stored `portfolio_snapshots` row. */
export type PortfolioSnapshotRow = typeof portfolioSnapshots.$inferSelect
/** A `portfolio_snapshots` row as drizzle inserts it. */
export type NewPortfolioSnapshotRow = typeof portfolioSnapshots.$inferInsert
