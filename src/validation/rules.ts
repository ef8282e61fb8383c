import { z } from 'zod'
import { textProblem } from './text.js'

// Building blocks shared by every table's input schema. zod 4 numbers already reject NaN and ±Infinity.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** True for a real calendar date written 'YYYY-MM-DD' (no time, no offset). */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

/** A DATE column: 'YYYY-MM-DD', a real day. */
export const isoDate = z.string().refine(isIsoDate, { message: "must be a real date written 'YYYY-MM-DD'" })

/**
 * A ticker code: 1 to 20 characters, no surrounding blanks, and a storable name (no control
 * character, NUL or lone surrogate: see text.ts): a line break in a key is never a real ticker.
 */
export const tickerCode = z
  .string()
  .min(1, 'must not be empty')
  .max(20, 'must be at most 20 characters')
  .refine((s) => s.trim() === s, { message: 'must not start or end with white space' })
  .superRefine((s, ctx) => {
    const problem = textProblem(s, 'name')
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/** A region among the configured ones (KR, US, CN, HK, JP, VN by default). */
export function regionCode(regions: ReadonlySet<string>) {
  return z.string().refine((r) => regions.has(r), { message: `must be one of ${[...regions].join(', ')}` })
}

/**
 * A number a NUMERIC(precision, scale) column can hold after rounding to `scale` digits,
 * so that the server never answers "numeric field overflow" halfway through a batch.
 */
export function numericFits(precision: number, scale: number) {
  const limit = 10 ** (precision - scale)
  return z.number().refine((v) => Math.abs(Math.round(v * 10 ** scale) / 10 ** scale) < limit, {
    message: `must be less than ${limit} in absolute value (NUMERIC(${precision}, ${scale}))`,
  })
}

/** A BIGINT carried as a JS number: only safe integers, so nothing is silently rounded. */
export const safeInteger = z.number().refine(Number.isSafeInteger, { message: 'must be a safe integer' })

/** An INTEGER column. */
export const int32 = z.number().int().min(-2147483648).max(2147483647)

/** Prices: finite, strictly positive, and within NUMERIC(18, 4). */
export const price = numericFits(18, 4).refine((v) => v > 0, { message: 'must be greater than 0' })

/** Money amounts within NUMERIC(18, 2). */
export const money = numericFits(18, 2)
