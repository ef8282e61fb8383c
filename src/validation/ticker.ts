import { z } from 'zod'
import { jsonDocument } from './json.js'
import { isoDate, regionCode, safeInteger, tickerCode } from './rules.js'
import { name } from './text.js'

/** A row for `qdb.tickers.upsert`. Omitted fields keep their stored value on update. */
export interface TickerInput {
  ticker: string
  region: string
  market?: string | null | undefined
  sector?: string | null | undefined
  industry?: string | null | undefined
  /** Safe integer >= 0 (BIGINT). */
  marketCap?: number | null | undefined
  listedDate?: string | null | undefined
  delistedDate?: string | null | undefined
  isActive?: boolean | undefined
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
