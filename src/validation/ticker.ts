import { z } from 'zod'
import { jsonDocument } from './json.js'
import { isoDate, regionCode, safeInteger, tickerCode } from './rules.js'
import { name } from './text.js'

/** A row for `qdb.tickers.upsert`. Omitted fields keep their stored value on update. */
export interface TickerInput {
  /** The ticker code: 1 to 20 characters, no surrounding blanks, e.g. `005930`. */
  ticker: string
  /** The region: KR, US, CN, HK, JP, VN, or one of `extraRegions`. */
  region: string
  /** The market it trades on, e.g. `KOSPI` (at most 20 characters). */
  market?: string | null | undefined
  /** Its sector (at most 50 characters). */
  sector?: string | null | undefined
  /** Its industry (at most 100 characters). */
  industry?: string | null | undefined
  /** Safe integer >= 0 (BIGINT). */
  marketCap?: number | null | undefined
  /** Listing day ('YYYY-MM-DD'); null when unknown. */
  listedDate?: string | null | undefined
  /** Delisting day ('YYYY-MM-DD'), not before `listedDate`; see `tickers.delist`. */
  delistedDate?: string | null | undefined
  /** False once delisted (default true on insert). */
  isActive?: boolean | undefined
  /** Anything else about the ticker: plain JSON. */
  metadata?: Record<string, unknown> | null | undefined
}

const text = (max: number) => name(max).nullable().optional()

export function tickerInputSchema(regions: ReadonlySet<string>) {
  return z
    .object({
      ticker: tickerCode,
      region: regionCode(regions),
      market: text(20),
      sector: text(50),
      industry: text(100),
      marketCap: safeInteger.refine((v) => v >= 0, { message: 'must not be negative' }).nullable().optional(),
      listedDate: isoDate.nullable().optional(),
      delistedDate: isoDate.nullable().optional(),
      isActive: z.boolean().optional(),
      // Plain JSON only: NaN, Infinity, Dates, BigInts... would be silently altered by JSON.stringify.
      metadata: jsonDocument.nullable().optional(),
    })
    .strict()
    .superRefine((t, ctx) => {
      if (t.listedDate && t.delistedDate && t.delistedDate < t.listedDate) {
        ctx.addIssue({ code: 'custom', path: ['delistedDate'], message: 'must not be before listedDate' })
      }
    })
}
