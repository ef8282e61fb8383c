import { sql } from 'drizzle-orm'
import {
  bigint, check, date, index, numeric, pgTable, primaryKey, timestamp, varchar,
} from 'drizzle-orm/pg-core'

const price = (name: string) => numeric(name, { precision: 18, scale: 4, mode: 'number' })

/**
 * Historical OHLCV data with technical indicators (spec 2.2).
 * A hypertable on `date` (1-month chunks) where TimescaleDB is available.
 */
export const ohlcvData = pgTable(
  'ohlcv_data',
  {
    ticker: varchar('ticker', { length: 20 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    timeframe: varchar('timeframe', { length: 10 }).notNull().default('daily'),
    open: price('open'),
    high: price('high'),
    low: price('low'),
    close: price('close'),
    volume: bigint('volume', { mode: 'number' }),
    adjustedClose: price('adjusted_close'),

    ma5: price('ma5'),
    ma20: price('ma20'),
    ma60: price('ma60'),
    ma120: price('ma120'),
    ma200: price('ma200'),
    rsi: numeric('rsi', { precision: 8, scale: 4, mode: 'number' }),
    macd: price('macd'),
    macdSignal: price('macd_signal'),
    bbUpper: price('bb_upper'),
    bbMiddle: price('bb_middle'),
    bbLower: price('bb_lower'),
    atr: price('atr'),

    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'ohlcv_data_pkey', columns: [t.ticker, t.region, t.date, t.timeframe] }),
    index('idx_ohlcv_ticker_region').on(t.ticker, t.region, t.date.desc().nullsFirst()),
    index('idx_ohlcv_region_date').on(t.region, t.date.desc().nullsFirst()),
    index('idx_ohlcv_date').on(t.date.desc().nullsFirst()),
    check('chk_ohlcv_high_low', sql`high >= low`),
    check('chk_ohlcv_high_open', sql`high >= open`),
    check('chk_ohlcv_high_close', sql`high >= close`),
    check('chk_ohlcv_low_open', sql`low <= open`),
    check('chk_ohlcv_low_close', sql`low <= close`),
    check('chk_ohlcv_volume', sql`volume >= 0`),
  ],
)

/**
 * A stored `ohlcv_data` row. Prices are `number | null` because the columns are nullable (rows may come
 * from imports); bars written by `qdb.ohlcv.upsert` always have open, high, low, close and volume.
 */
export type OhlcvRow = typeof ohlcvData.$inferSelect
/** An `ohlcv_data` row as drizzle inserts it. */
export type NewOhlcvRow = typeof ohlcvData.$inferInsert
