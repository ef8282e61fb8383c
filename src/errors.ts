/**
 * One error type for everything the library throws, with a `reason` to branch on and
 * the server's fields (`code`, `detail`, `constraint`, `table`, `column`) where there are any.
 *
 * @example
 * ```ts
 * try { await qdb.ohlcv.upsert(bars) }
 * catch (e) {
 *   if (e instanceof ValidationError) console.error(e.issues[0]) // { row: 3, field: 'high', message: ... }
 *   else if (e instanceof QuantDbError && e.isRetryable) retry()
 * }
 * ```
 */
export type QuantDbErrorReason =
  | 'connection'
  | 'authentication'
  | 'configuration'
  | 'validation'
  | 'not_found'
  | 'unique_violation'
  | 'foreign_key_violation'
  | 'check_violation'
  | 'not_null_violation'
  | 'serialization'
  | 'deadlock'
  | 'lock_timeout'
  | 'data'
  | 'unsupported'
  | 'query'

export interface QuantDbErrorFields {
  code?: string | undefined
  detail?: string | undefined
  hint?: string | undefined
  constraint?: string | undefined
  table?: string | undefined
  column?: string | undefined
  schema?: string | undefined
  cause?: unknown
}

export class QuantDbError extends Error {
  override readonly name: string = 'QuantDbError'
  readonly reason: QuantDbErrorReason
  /** SQLSTATE, or a Node error code such as `ECONNREFUSED`. */
  readonly code: string | undefined
  readonly detail: string | undefined
  readonly hint: string | undefined
  readonly constraint: string | undefined
  readonly table: string | undefined
  readonly column: string | undefined
  readonly schema: string | undefined

  constructor(reason: QuantDbErrorReason, message: string, fields: QuantDbErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause })
    this.reason = reason
    this.code = fields.code
    this.detail = fields.detail
    this.hint = fields.hint
    this.constraint = fields.constraint
    this.table = fields.table
    this.column = fields.column
    this.schema = fields.schema
  }

  /**
   * True where the same call may succeed if retried: lost connections, serialization failures, deadlocks.
   * False for what a retry cannot fix: a refused password or role (`authentication`), a database that
   * does not exist or a malformed URL (`configuration`), and every refusal of the data itself.
   */
  get isRetryable(): boolean {
    return this.reason === 'connection' || this.reason === 'serialization'
      || this.reason === 'deadlock' || this.reason === 'lock_timeout'
  }
}

/** One rejected value: which input row (0-based index in the call), which field, and why. */
export interface ValidationIssue {
  row: number
  field: string
  message: string
}

/** Input rejected before anything was written. `issues` lists every problem found (capped at 100). */
export class ValidationError extends QuantDbError {
  override readonly name = 'ValidationError'
  readonly issues: readonly ValidationIssue[]

  constructor(table: string | undefined, issues: readonly ValidationIssue[]) {
    const first = issues[0]
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
    const where = first ? `row ${first.row}, field '${first.field}': ${first.message}` : 'invalid input'
    super('validation', `Invalid ${table ?? 'input'}: ${where}${more}`, { table })
    this.issues = issues
  }
}

/** Thrown by `get*` methods when nothing matches; carries the key that was looked up. */
export class NotFoundError extends QuantDbError {
  override readonly name = 'NotFoundError'
  readonly key: Readonly<Record<string, unknown>>

  constructor(table: string, key: Readonly<Record<string, unknown>>) {
    super('not_found', `No ${table} row for ${JSON.stringify(key)}`, { table })
    this.key = key
  }
}
