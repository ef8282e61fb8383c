import { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import type { NewFactorScoreRow } from '../schema/index.js'
import { jsonDocument } from './json.js'
import { isoDate, numericFits, regionCode, tickerCode } from './rules.js'
import { checkRows, MAX_ISSUES, type CheckedRows } from './validate.js'

/** The signals of `factor_scores.signal`. */
export const SIGNALS = ['BUY', 'WATCH', 'AVOID'] as const
/** BUY, WATCH or AVOID. */
export type Signal = (typeof SIGNALS)[number]

/**
 * One row for `qdb.factors.upsert`: the scores of one ticker on one calculation day.
 *
 * Scores are NUMERIC(5, 2): every score is rounded to 2 decimals first, and the sums are checked on
 * the rounded values, so the stored row always satisfies the spec's CHECK. Per layer:
 * - each sub-score is >= 0 and at most the layer's maximum (25, 45, 30);
 * - `layerNTotal` omitted (or null): computed as the sum of its three parts, which are then required;
 * - `layerNTotal` given: at most the layer maximum, and equal to the sum of its parts when all three are given.
 *
 * `totalScore` omitted: the sum of the three layers; given: it must equal that sum (within 0.01).
 * The individual factors are NUMERIC(10, 4): below 1,000,000 in absolute value.
 */
export interface FactorScoreInput {
  /** The ticker code. */
  ticker: string
  /** The ticker's region. */
  region: string
  /** 'YYYY-MM-DD'. */
  calculationDate: string
  // Layer 1: macro, at most 25 points.
  /** Layer 1 sub-score, 0 to 25. */
  marketRegimeScore?: number | null | undefined
  /** Layer 1 sub-score, 0 to 25. */
  volumeProfileScore?: number | null | undefined
  /** Layer 1 sub-score, 0 to 25. */
  priceActionScore?: number | null | undefined
  /** Layer 1 (macro) total, 0 to 25; computed from its three parts when omitted. */
  layer1Total?: number | null | undefined
  // Layer 2: structural, at most 45 points.
  /** Layer 2 sub-score, 0 to 45. */
  stageAnalysisScore?: number | null | undefined
  /** Layer 2 sub-score, 0 to 45. */
  movingAverageScore?: number | null | undefined
  /** Layer 2 sub-score, 0 to 45. */
  relativeStrengthScore?: number | null | undefined
  /** Layer 2 (structural) total, 0 to 45; computed from its three parts when omitted. */
  layer2Total?: number | null | undefined
  // Layer 3: micro, at most 30 points.
  /** Layer 3 sub-score, 0 to 30. */
  patternRecognitionScore?: number | null | undefined
  /** Layer 3 sub-score, 0 to 30. */
  volumeSpikeScore?: number | null | undefined
  /** Layer 3 sub-score, 0 to 30. */
  momentumScore?: number | null | undefined
  /** Layer 3 (micro) total, 0 to 30; computed from its three parts when omitted. */
  layer3Total?: number | null | undefined
  /** 0..100, the sum of the layer totals. */
  totalScore?: number | null | undefined
  /** The trading signal: `BUY`, `WATCH` or `AVOID`. */
  signal?: Signal | null | undefined
  /** Price / earnings (NUMERIC(10, 4)). */
  peRatio?: number | null | undefined
  /** Price / book value (NUMERIC(10, 4)). */
  pbRatio?: number | null | undefined
  /** 12-month price momentum as a fraction (0.3 = +30%). */
  momentum12m?: number | null | undefined
  /** RSI-based factor, as the factor engine defines it. */
  rsiFactor?: number | null | undefined
  /** Return on equity as a fraction (0.18 = 18%). */
  roe?: number | null | undefined
  /** Debt / equity ratio. */
  debtEquity?: number | null | undefined
  /** Volatility factor, as the factor engine defines it. */
  volatilityFactor?: number | null | undefined
  /** Market-capitalization factor, as the factor engine defines it. */
  marketCapFactor?: number | null | undefined
  /** How the scores were made (model, version, inputs): plain JSON. */
  calculationMetadata?: Record<string, unknown> | null | undefined
}

type ScoreField =
  | 'marketRegimeScore' | 'volumeProfileScore' | 'priceActionScore' | 'layer1Total'
  | 'stageAnalysisScore' | 'movingAverageScore' | 'relativeStrengthScore' | 'layer2Total'
  | 'patternRecognitionScore' | 'volumeSpikeScore' | 'momentumScore' | 'layer3Total'
interface Layer { total: ScoreField; max: number; parts: readonly [ScoreField, ScoreField, ScoreField] }

/** The three layers of the model: total field, maximum points and sub-score fields. */
export const LAYERS: readonly Layer[] = [
  { total: 'layer1Total', max: 25, parts: ['marketRegimeScore', 'volumeProfileScore', 'priceActionScore'] },
  { total: 'layer2Total', max: 45, parts: ['stageAnalysisScore', 'movingAverageScore', 'relativeStrengthScore'] },
  { total: 'layer3Total', max: 30, parts: ['patternRecognitionScore', 'volumeSpikeScore', 'momentumScore'] },
]

export const FACTOR_FIELDS = [
  'peRatio', 'pbRatio', 'momentum12m', 'rsiFactor', 'roe', 'debtEquity', 'volatilityFactor', 'marketCapFactor',
] as const

/**
 * `value` in units of 10^-scale, rounded half away from zero the way NUMERIC rounds the decimal text
 * drizzle sends (`String(value)`): 1.005 → 101 cents, where `Math.round(1.005 * 100)` gives 100.
 */
export function toScaledInteger(value: number, scale: number): number {
  const abs = Math.abs(value)
  let scaled = Math.round(Number(`${abs}e${scale}`))
  if (!Number.isFinite(scaled)) scaled = Math.round(abs * 10 ** scale) // `abs` was written with an exponent
  return value < 0 ? -scaled : scaled
}

const score = z.number().min(0, 'must not be negative').nullable().optional()
const factor = numericFits(10, 4).nullable().optional()
const present = (v: number | null | undefined): v is number => v !== null && v !== undefined
const points = (cents: number): string => (cents / 100).toFixed(2)

export function factorScoreSchema(regions: ReadonlySet<string>) {
  return z
    .object({
      ticker: tickerCode,
      region: regionCode(regions),
      calculationDate: isoDate,
      marketRegimeScore: score, volumeProfileScore: score, priceActionScore: score, layer1Total: score,
      stageAnalysisScore: score, movingAverageScore: score, relativeStrengthScore: score, layer2Total: score,
      patternRecognitionScore: score, volumeSpikeScore: score, momentumScore: score, layer3Total: score,
      totalScore: z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').nullable().optional(),
      signal: z.enum(SIGNALS, { message: "must be 'BUY', 'WATCH' or 'AVOID'" }).nullable().optional(),
      peRatio: factor, pbRatio: factor, momentum12m: factor, rsiFactor: factor,
      roe: factor, debtEquity: factor, volatilityFactor: factor, marketCapFactor: factor,
      calculationMetadata: jsonDocument.nullable().optional(),
    })
    .strict()
    .transform((input, ctx): NewFactorScoreRow => {
      const fail = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message })
      const row: NewFactorScoreRow = {
        ticker: input.ticker,
        region: input.region,
        calculationDate: input.calculationDate,
        signal: input.signal ?? null,
        calculationMetadata: input.calculationMetadata ?? null,
      }
      for (const f of FACTOR_FIELDS) row[f] = input[f] ?? null
      // Everything in cents: the sums below are exact, and what is checked is what is stored.
      let layersCents = 0
      let layersKnown = true
      for (const [i, layer] of LAYERS.entries()) {
        const maxCents = layer.max * 100
        let partsCents = 0
        const missing: ScoreField[] = []
        for (const part of layer.parts) {
          const v = input[part]
          if (!present(v)) {
            missing.push(part)
            row[part] = null
            continue
          }
          const cents = toScaledInteger(v, 2)
          if (cents > maxCents) fail(part, `must be at most ${layer.max} (the layer ${i + 1} maximum)`)
          partsCents += cents
          row[part] = cents / 100
        }
        const total = input[layer.total]
        let totalCents: number | undefined
        if (present(total)) {
          totalCents = toScaledInteger(total, 2)
          if (totalCents > maxCents) fail(layer.total, `must be at most ${layer.max} (the layer ${i + 1} maximum)`)
          else if (missing.length === 0 && totalCents !== partsCents) {
            fail(layer.total, `must equal the sum of its parts (${points(partsCents)}, scores rounded to 2 decimals) within 0.01`)
          } else if (totalCents < partsCents) {
            fail(layer.total, `must be at least the sum of its given parts (${points(partsCents)})`)
          }
        } else if (missing.length > 0) {
          for (const part of missing) fail(part, `is required when ${layer.total} is omitted (the total is computed from its parts)`)
        } else {
          totalCents = partsCents
          if (totalCents > maxCents) fail(layer.total, `the sum of the parts must be at most ${layer.max} (the layer ${i + 1} maximum)`)
        }
        if (totalCents === undefined) layersKnown = false
        else layersCents += totalCents
        row[layer.total] = totalCents === undefined ? null : totalCents / 100
      }
      if (present(input.totalScore)) {
        const cents = toScaledInteger(input.totalScore, 2)
        if (layersKnown && cents !== layersCents) {
          fail('totalScore', `must equal layer1Total + layer2Total + layer3Total (${points(layersCents)}, scores rounded to 2 decimals) within 0.01`)
        }
        row.totalScore = cents / 100
      } else {
        row.totalScore = layersKnown ? layersCents / 100 : null
      }
      return row
    })
}

/** Options of `qdb.factors.upsert`. */
export interface FactorUpsertOptions {
  /** `'throw'` (default): one bad row rejects the call, nothing is written. `'skip'`: bad rows are returned, the rest written. */
  onInvalid?: 'throw' | 'skip' | undefined
}

/**
 * Validates factor rows (every rule of {@link factorScoreSchema}) and rejects a second row for the
 * same `(ticker, region, calculationDate)` in one call, naming the first. Valid rows come back as
 * complete table rows: scores rounded, totals computed.
 *
 * @example
 * ```ts
 * const { valid, rejected } = checkFactorScores(rows, new Set(['KR', 'US']), 'skip')
 * ```
 * @internal
 */
export function checkFactorScores(
  rows: readonly FactorScoreInput[],
  regions: ReadonlySet<string>,
  onInvalid: 'throw' | 'skip' = 'throw',
): CheckedRows<NewFactorScoreRow, FactorScoreInput> {
  const checked = checkRows<NewFactorScoreRow, FactorScoreInput>('factor_scores', rows, factorScoreSchema(regions), 'skip')
  const first = new Map<string, number>()
  const valid: CheckedRows<NewFactorScoreRow>['valid'] = []
  for (const v of checked.valid) {
    const key = `${v.value.ticker}\u0000${v.value.region}\u0000${v.value.calculationDate}`
    const seen = first.get(key)
    if (seen === undefined) {
      first.set(key, v.row)
      valid.push(v)
    } else {
      const issue: ValidationIssue = { row: v.row, field: 'calculationDate', message: `duplicates row ${seen} (same ticker, region and calculationDate)` }
      checked.rejected.push({ row: v.row, input: rows[v.row] as FactorScoreInput, issues: [issue] })
    }
  }
  checked.rejected.sort((a, b) => a.row - b.row)
  if (onInvalid === 'throw' && checked.rejected.length > 0) {
    throw new ValidationError('factor_scores', checked.rejected.flatMap((r) => r.issues).slice(0, MAX_ISSUES))
  }
  return { valid, rejected: checked.rejected }
}

/** Arguments of `qdb.factors.topSignals`. */
export interface TopSignalsOptions {
  /** The calculation day, 'YYYY-MM-DD'. */
  calculationDate: string
  /** Default 'BUY'. */
  signal?: Signal | undefined
  /** Only this region. */
  region?: string | undefined
  /** Default 50. */
  limit?: number | undefined
}

const limit = z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000, 'must be at most 100000')

export function topSignalsOptionsSchema(regions: ReadonlySet<string>) {
  return z.object({
    calculationDate: isoDate,
    signal: z.enum(SIGNALS, { message: "must be 'BUY', 'WATCH' or 'AVOID'" }).default('BUY'),
    region: regionCode(regions).optional(),
    limit: limit.default(50),
  }).strict()
}

/** Arguments of `qdb.factors.monthlyPerformance`. */
export interface MonthlyPerformanceOptions {
  /** Only this region. */
  region?: string | undefined
  /** Only this signal (`BUY`, `WATCH`, `AVOID`). */
  signal?: Signal | undefined
  /** First month: the month containing this day ('YYYY-MM-DD'). */
  from?: string | undefined
  /** Last month: the month containing this day. */
  to?: string | undefined
  /** Refresh the aggregate before reading (default true; skipped inside a transaction with TimescaleDB). */
  refresh?: boolean | undefined
}

export function monthlyPerformanceOptionsSchema(regions: ReadonlySet<string>) {
  return z.object({
    region: regionCode(regions).optional(),
    signal: z.enum(SIGNALS, { message: "must be 'BUY', 'WATCH' or 'AVOID'" }).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    refresh: z.boolean().optional(),
  }).strict().superRefine((o, ctx) => {
    if (o.from !== undefined && o.to !== undefined && o.to < o.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
    }
  })
}

/** A `(ticker, region)` key: `qdb.tickers.find` / `get` / `purge`, `qdb.portfolio.findPosition`, `qdb.factors.latest`... */
export interface TickerKey {
  /** The ticker code, e.g. `005930`. */
  ticker: string
  /** The ticker's region, e.g. `KR`. */
  region: string
}

/** The key of one score row: `qdb.factors.find` / `get`. */
export interface FactorScoreKey extends TickerKey {
  /** 'YYYY-MM-DD'. */
  calculationDate: string
}

/** Arguments of `qdb.factors.history`: one ticker, days inclusive (both optional). */
export interface FactorHistoryOptions extends TickerKey {
  /** First calculation day, inclusive ('YYYY-MM-DD'); default: the oldest. */
  from?: string | undefined
  /** Last calculation day, inclusive ('YYYY-MM-DD'); default: the newest. */
  to?: string | undefined
}

export function tickerKeySchema(regions: ReadonlySet<string>) {
  return z.object({ ticker: tickerCode, region: regionCode(regions) }).strict()
}

export const dateRangeSchema = z.object({ from: isoDate.optional(), to: isoDate.optional() }).superRefine((o, ctx) => {
  if (o.from !== undefined && o.to !== undefined && o.to < o.from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
  }
})

export function factorScoreKeySchema(regions: ReadonlySet<string>) {
  return z.object({ ticker: tickerCode, region: regionCode(regions), calculationDate: isoDate }).strict()
}

export function factorHistorySchema(regions: ReadonlySet<string>) {
  return z.object({ ticker: tickerCode, region: regionCode(regions), from: isoDate.optional(), to: isoDate.optional() })
    .strict().superRefine((o, ctx) => {
      if (o.from !== undefined && o.to !== undefined && o.to < o.from) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
      }
    })
}
