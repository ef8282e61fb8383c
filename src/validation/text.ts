import { z } from 'zod'

// One rule set for every text a write stores (bad input is refused before anything is written):
// - no NUL anywhere: PostgreSQL text and jsonb cannot hold it (the server answers 22021 / 22P05 and the
//   whole statement fails, naming no row);
// - no lone UTF-16 surrogate: it is not valid UTF-8, so the drivers silently store U+FFFD instead (two
//   different inputs would land on one key) and jsonb refuses its `\ud800` escape;
// - names and identifiers (tickers, regions, timeframes, strategy names, sectors, order ids, modules…)
//   also carry no control character at all (C0, DEL, C1): a ticker with a line break is never a real
//   one and could never be looked up again;
// - free text (notes, reasons, log messages, stack traces) may hold line breaks and tabs.

// With the `u` flag a well-formed surrogate pair is one code point, so the surrogate range only
// matches a lone half.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NAME_PROBLEM = /[\p{Cc}\uD800-\uDFFF]/u
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const TEXT_PROBLEM = /[\u0000\uD800-\uDFFF]/u

export const NUL_MESSAGE = 'must not contain a NUL character (PostgreSQL cannot store it)'
export const SURROGATE_MESSAGE = 'must not contain a lone UTF-16 surrogate (not valid UTF-8)'
export const CONTROL_MESSAGE = 'must not contain control characters'

/** True when `s` is a name PostgreSQL stores as given: no control character, no lone surrogate. */
export function isStorableName(s: string): boolean {
  return !NAME_PROBLEM.test(s)
}

/** True when `s` is free text PostgreSQL stores as given: no NUL, no lone surrogate (line breaks are fine). */
export function isStorableText(s: string): boolean {
  return !TEXT_PROBLEM.test(s)
}

/**
 * Why `s` cannot be stored as text of the given kind, or undefined when it can.
 *
 * @example
 * ```ts
 * textProblem('S\uD800', 'name') // 'must not contain a lone UTF-16 surrogate (not valid UTF-8)'
 * textProblem('a\nb', 'text')    // undefined
 * ```
 */
export function textProblem(s: string, kind: 'name' | 'text'): string | undefined {
  if (kind === 'name' ? isStorableName(s) : isStorableText(s)) return undefined
  if (s.includes('\u0000')) return NUL_MESSAGE
  if (/[\uD800-\uDFFF]/u.test(s)) return SURROGATE_MESSAGE
  return CONTROL_MESSAGE
}

function storable(kind: 'name' | 'text') {
  return (s: string, ctx: z.RefinementCtx) => {
    const problem = textProblem(s, kind)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  }
}

/** A name or identifier column (ticker, strategy name, sector…): no control characters, no NUL, no lone surrogate. */
export const nameString = z.string().superRefine(storable('name'))

/** A name of at most `max` characters (zod checks the length first, then the characters). */
export function name(max: number, min = 0) {
  let s = z.string()
  if (min > 0) s = s.min(min, 'must not be empty')
  return s.max(max, `must be at most ${max} characters`).superRefine(storable('name'))
}

/** Free text, optionally of at most `max` characters. */
export function freeText(max?: number) {
  const s = max === undefined ? z.string() : z.string().max(max, `must be at most ${max} characters`)
  return s.superRefine(storable('text'))
}
