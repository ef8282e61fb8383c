import { sql } from 'drizzle-orm'
import {
  check, date, foreignKey, index, jsonb, numeric, pgTable, primaryKey, timestamp, varchar,
} from 'drizzle-orm/pg-core'
import { tickers } from './tickers.js'

const score = (name: string) => numeric(name, { precision: 5, scale: 2, mode: 'number' })
const factor = (name: string) => numeric(name, { precision: 10, scale: 4, mode: 'number' })

/** Multi-factor analysis scores and signals (spec 2.3). A hypertable on `calculation_date` (1 month). */
export const factorScores = pgTable(
  'factor_scores',
  {
    ticker: varchar('ticker', { length: 20 }).notNull(),
    region: varchar('region', { length: 5 }).notNull(),
    calculationDate: date('calculation_date', { mode: 'string' }).notNull(),

    // Layer 1: Macro (25 points)
    marketRegimeScore: score('market_regime_score'),
    volumeProfileScore: score('volume_profile_score'),
    priceActionScore: score('price_action_score'),
    layer1Total: score('layer1_total'),
    // Layer 2: Structural (45 points)
    stageAnalysisScore: score('stage_analysis_score'),
    movingAverageScore: score('moving_average_score'),
    relativeStrengthScore: score('relative_strength_score'),
    layer2Total: score('layer2_total'),
    // Layer 3: Micro (30 points)
    patternRecognitionScore: score('pattern_recognition_score'),
    volumeSpikeScore: score('volume_spike_score'),
    momentumScore: score('momentum_score'),
    layer3Total: score('layer3_total'),

    totalScore: score('total_score'),
    signal: varchar('signal', { length: 10 }).$type<'BUY' | 'WATCH' | 'AVOID'>(),

    peRatio: factor('pe_ratio'),
    pbRatio: factor('pb_ratio'),
    momentum12m: factor('momentum_12m'),
    rsiFactor: factor('rsi_factor'),
    roe: factor('roe'),
    debtEquity: factor('debt_equity'),
    volatilityFactor: factor('volatility_factor'),
    marketCapFactor: factor('market_cap_factor'),

    calculationMetadata: jsonb('calculation_metadata').$type<Record<string, unknown>>(),
    lastUpdated: timestamp('last_updated', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'factor_scores_pkey', columns: [t.ticker, t.region, t.calculationDate] }),
    index('idx_factor_ticker_date').on(t.ticker, t.region, t.calculationDate.desc().nullsFirst()),
    index('idx_factor_date_signal').on(t.calculationDate.desc().nullsFirst(), t.signal),
    index('idx_factor_total_score').on(t.totalScore.desc().nullsFirst()).where(sql`signal = 'BUY'`),
    index('idx_factor_metadata').using('gin', t.calculationMetadata),
    // 5.3: BUY signals only
    index('idx_factor_buy_signals')
      .on(t.calculationDate.desc().nullsFirst(), t.totalScore.desc().nullsFirst())
      .where(sql`signal = 'BUY'`),
    foreignKey({
      name: 'fk_factor_scores_ticker',
      columns: [t.ticker, t.region],
      foreignColumns: [tickers.ticker, tickers.region],
    }).onDelete('cascade'),
    check('chk_factor_total_score', sql`ABS(total_score - (layer1_total + layer2_total + layer3_total)) < 0.01`),
  ],
)

/** A stored `factor_scores` row. */
export type FactorScoreRow = typeof factorScores.$inferSelect
/** A `factor_scores` row as drizzle inserts it. */
export type NewFactorScoreRow = typeof factorScores.$inferInsert
