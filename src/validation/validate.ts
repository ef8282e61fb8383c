import type { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'

/** The cap on issues carried by one error, so a million bad rows do not make a million-line message. */
export const MAX_ISSUES = 100

/** A row a bulk write skipped (`onInvalid: 'skip'`). */
export interface RejectedRow<I = unknown> {
  /** Index of the row in the input. */
  row: number
  /** The row as it was given. */
  input: I
  /** Why it was refused: field and message of each problem. */
  issues: ValidationIssue[]
}

/** @internal The rows that passed validation and the rejected ones. */
export interface CheckedRows<T, I = unknown> {
  valid: { row: number; value: T }[]
  rejected: RejectedRow<I>[]
}

function toIssues(row: number, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    row,
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(row)',
    message: issue.message,
  }))
}

/**
 * Parses every row with `schema`. With `onInvalid: 'throw'` (the default) any bad row throws a
 * ValidationError naming row and field, before anything is written; with `'skip'` the bad rows
 * are returned in `rejected` and the good ones go on.
 *
 * @example
 * ```ts
 * const { valid } = checkRows('ohlcv_data', bars, barSchema)
 * ```
 * @internal
 */
export function checkRows<T, I = unknown>(
  table: string,
  rows: readonly I[],
  schema: z.ZodType<T>,
  onInvalid: 'throw' | 'skip' = 'throw',
): CheckedRows<T, I> {
  const valid: { row: number; value: T }[] = []
  const rejected: RejectedRow<I>[] = []
  for (let i = 0; i < rows.length; i++) {
    const input = rows[i] as I
    const result = schema.safeParse(input)
    if (result.success) valid.push({ row: i, value: result.data })
    else rejected.push({ row: i, input, issues: toIssues(i, result.error) })
  }
  if (onInvalid === 'throw' && rejected.length > 0) {
    throw new ValidationError(table, rejected.flatMap((r) => r.issues).slice(0, MAX_ISSUES))
  }
  return { valid, rejected }
}

/** Parses one value (a single-row write, or a query's arguments); throws a ValidationError for row 0. */
export function checkOne<T>(table: string, input: unknown, schema: z.ZodType<T>): T {
  const result = schema.safeParse(input)
  if (!result.success) throw new ValidationError(table, toIssues(0, result.error).slice(0, MAX_ISSUES))
  return result.data
}
