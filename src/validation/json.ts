import { z } from 'zod'
import { isStorableText } from './text.js'

// JSONB columns take what JSON.stringify makes of a value, and JSON.stringify is lossy without a word:
// NaN and ±Infinity become null, undefined and functions vanish, a Date becomes a string, a BigInt
// throws. PostgreSQL's jsonb also refuses the NUL character and lone UTF-16 surrogates (as strings or
// keys). These checks reject such values up front, so the document read back is the document written.

const MAX_DEPTH = 64

/** Why `value` is not a plain JSON value, or undefined when it is. `path` locates the offending part. */
export function jsonProblem(value: unknown, path = '', depth = 0, seen = new Set<object>()): string | undefined {
  const at = path === '' ? '' : ` at ${path}`
  if (value === null || typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `holds a non-finite number${at}`
  if (typeof value === 'string') return isStorableText(value) ? undefined : `${unstorable(value)}${at} (jsonb refuses it)`
  if (typeof value !== 'object') return `holds a ${typeof value}${at}, which JSON cannot carry`
  if (depth >= MAX_DEPTH) return `is nested deeper than ${MAX_DEPTH} levels${at}`
  if (seen.has(value)) return `holds a circular reference${at}`
  const proto = Object.getPrototypeOf(value) as unknown
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return `holds a ${(value as object).constructor?.name ?? 'non-plain'} object${at}; give plain objects, arrays, strings, numbers, booleans and null`
  }
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1, seen)
        if (problem) return problem
      }
      return undefined
    }
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return `has a key with ${unstorable(key).slice('holds '.length)}${at} (jsonb refuses it)`
      if (item === undefined) continue // JSON.stringify drops it, as an omitted key would be
      const problem = jsonProblem(item, path === '' ? key : `${path}.${key}`, depth + 1, seen)
      if (problem) return problem
    }
    return undefined
  } finally {
    seen.delete(value)
  }
}

function unstorable(s: string): string {
  return s.includes('\u0000') ? 'holds a NUL character' : 'holds a lone UTF-16 surrogate'
}

/** A JSON object for a JSONB column: plain data only (see {@link jsonProblem}). */
export const jsonDocument = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const problem = jsonProblem(value)
  if (problem) ctx.addIssue({ code: 'custom', message: `must be plain JSON: ${problem}` })
})
