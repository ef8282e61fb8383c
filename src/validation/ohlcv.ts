import { z } from 'zod'
import { isoDate, numericFits, price, regionCode, safeInteger, tickerCode } from './rules.js'
import { name } from './text.js'

/** The indicator columns of `ohlcv_data`, in table order (camelCase). */
export const INDICATOR_FIELDS = [
  'ma5', 'ma20', 'ma60', 'ma120', 'ma200', 'rsi', 'macd', 'macdSignal', 'bbUpper', 'bbMiddle', 'bbLower', 'atr',
] as const
/** An indicator column of a bar (`ma5` ... `atr`). */
export type IndicatorField = (typeof INDICATOR_FIELDS)[number]

/**
 * One bar for `qdb.ohlcv.upsert`. Prices are NUMERIC(18,4) (stored rounded to 4 decimals), volume a BIGINT.
 *
 * - `adjustedClose`: omitted keeps the stored value on update; `null` clears it.
 * - Indicators are normally computed by `recomputeIndicators`; they may be given (an import of
 *   already-computed history), in which case all twelve are written (missing ones as NULL). A bar
 *   without any indicator field leaves the stored indicators as they are.
 */
export interface OhlcvBarInput {
  /** The ticker code (1 to 20 characters), e.g. `005930`; the ticker must exist in `tickers`. */
  ticker: string
  /** The ticker's region, e.g. `KR`. */
  region: string
  /** 'YYYY-MM-DD'. */
  date: string
  /** Default 'daily'. */
  timeframe?: string | undefined
  /** Opening price, > 0 (NUMERIC(18, 4)). */
  open: number
  /** High of the day: >= open, close and low. */
  high: number
  /** Low of the day, > 0: <= open, close and high. */
  low: number
  /** Closing price, > 0. */
  close: number
  /** Safe integer >= 0. */
  volume: number
  /** Close adjusted for splits and dividends; omitted keeps the stored value, null clears it. */
  adjustedClose?: number | null | undefined
  /** 5-day simple moving average of close. */
  ma5?: number | null | undefined
  /** 20-day simple moving average of close. */
  ma20?: number | null | undefined
  /** 60-day simple moving average of close. */
  ma60?: number | null | undefined
  /** 120-day simple moving average of close. */
  ma120?: number | null | undefined
  /** 200-day simple moving average of close. */
  ma200?: number | null | undefined
  /** 0..100. */
  rsi?: number | null | undefined
  /** MACD line: EMA12 - EMA26 of close. */
  macd?: number | null | undefined
  /** EMA9 of the MACD line. */
  macdSignal?: number | null | undefined
  /** Upper Bollinger band: SMA20 + 2 standard deviations. */
  bbUpper?: number | null | undefined
  /** Middle Bollinger band: SMA20. */
  bbMiddle?: number | null | undefined
  /** Lower Bollinger band: SMA20 - 2 standard deviations. */
  bbLower?: number | null | undefined
  /** >= 0. */
  atr?: number | null | undefined
}

// A price must still be positive once the column has rounded it to 4 decimals.
const barPrice = price.refine((v) => Math.round(v * 1e4) > 0, { message: 'must be at least 0.0001 (NUMERIC(18, 4))' })
const indicator = numericFits(18, 4).nullable().optional()

export function ohlcvBarSchema(regions: ReadonlySet<string>) {
  return z
    .object({
      ticker: tickerCode,
      region: regionCode(regions),
      date: isoDate,
      timeframe: name(10, 1).default('daily'),
      open: barPrice,
      high: barPrice,
      low: barPrice,
      close: barPrice,
      volume: safeInteger.refine((v) => v >= 0, { message: 'must not be negative' }),
      adjustedClose: barPrice.nullable().optional(),
      ma5: indicator, ma20: indicator, ma60: indicator, ma120: indicator, ma200: indicator,
      rsi: z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').nullable().optional(),
      macd: indicator, macdSignal: indicator, bbUpper: indicator, bbMiddle: indicator, bbLower: indicator,
      atr: indicator.refine((v) => v == null || v >= 0, { message: 'must not be negative' }),
    })
    .strict()
    .superRefine((b, ctx) => {
      // The spec's CHECK constraints, reported on the field that breaks them.
      const fail = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message })
      if (b.high < b.low) fail('high', 'must be >= low')
      if (b.high < b.open) fail('high', 'must be >= open')
      if (b.high < b.close) fail('high', 'must be >= close')
      if (b.low > b.open) fail('low', 'must be <= open')
      if (b.low > b.close) fail('low', 'must be <= close')
    })
}
