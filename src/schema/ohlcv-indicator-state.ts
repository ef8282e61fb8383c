import {
  bigint, customType, date, doublePrecision, integer, pgTable, primaryKey, timestamp, varchar,
} from 'drizzle-orm/pg-core'

/** Raw bytes (BYTEA): here float64 values, little-endian, exact to the bit (NaN and -0 included). */
const bytes = customType<{ data: Uint8Array }>({ dataType: () => 'bytea' })

/**
 * Where the indicators of one ticker's series stood after one of its bars (not in the spec; see
 * docs/spec-corrections.md): `ohlcv.recomputeIndicators` keeps the last two per
 * `(ticker, region, timeframe)`, so that a daily run computes the new bars from here, exactly as
 * from the whole history, instead of reading 500 warm-up bars a ticker. Written and read only by the
 * library; `ohlcv.upsert` and `tickers.purge` delete the rows their writes make stale (bars at or
 * before `date` changed). Deleting rows is always safe: the next run reads the whole history instead.
 */
export const ohlcvIndicatorState = pgTable(
  'ohlcv_indicator_state',
  {
    ticker: varchar('ticker', { length: 20 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    timeframe: varchar('timeframe', { length: 10 }).notNull(),
    /** The last bar the state includes. */
    date: date('date', { mode: 'string' }).notNull(),
    /** Bars of the series from its first through `date`. */
    bars: integer('bars').notNull(),
    /** That bar's high, low and close as computed: checked unchanged before the state is used. */
    high: doublePrecision('high'),
    low: doublePrecision('low'),
    close: doublePrecision('close'),
    /** The six EMA / Wilder recursions, 4 float64 each (src/indicators/resume.ts). */
    recursions: bytes('recursions').notNull(),
    /** The last closes (up to 398 float64), oldest first, for the SMA and Bollinger windows. */
    closes: bytes('closes').notNull(),
    /**
     * XOR of a hash of every stored row (date, prices, indicators) through `date` when the state was
     * written: a full run that finds the same value skips the ticker's history. NULL: unknown.
     */
    fingerprint: bigint('fingerprint', { mode: 'bigint' }),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'ohlcv_indicator_state_pkey', columns: [t.ticker, t.region, t.timeframe, t.date] })],
)
