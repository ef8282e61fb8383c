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

/** The server's fields an error carries where there are any. */
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

/** Everything the library throws: a `reason`, the server's fields, `isRetryable`; never a password or bound value. */
export class QuantDbError extends Error {
  /** `QuantDbError`, or the subclass's name (`ValidationError`, `NotFoundError`). */
  override readonly name: string = 'QuantDbError'
  /**
   * What went wrong, as a stable word to switch on: `connection`, `validation`, `unique_violation`, ... (see
   * {@link QuantDbErrorReason}).
   */
  readonly reason: QuantDbErrorReason
  /** SQLSTATE, or a Node error code such as `ECONNREFUSED`. */
  readonly code: string | undefined
  /** The server's DETAIL line, bound values redacted; undefined when the server gave none. */
  readonly detail: string | undefined
  /** The server's HINT, when it gave one. */
  readonly hint: string | undefined
  /** The constraint that refused the row (e.g. `tickers_pkey`), for constraint violations. */
  readonly constraint: string | undefined
  /** The table concerned: the server's, or the repository's for a ValidationError or NotFoundError. */
  readonly table: string | undefined
  /** The column concerned, when the server names one (e.g. a NOT NULL violation). */
  readonly column: string | undefined
  /** The schema of `table`, when the server names one (`public`). */
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
  /** 0-based index of the row in the call's input (0 for a single entry or an options object). */
  row: number
  /** The field, dotted for nested ones (`trades.3.price`); `(row)` for the row as a whole (e.g. an unknown key). */
  field: string
  /** Why the value was refused, e.g. `must be a real date written 'YYYY-MM-DD'`. */
  message: string
}

/** Input rejected before anything was written. `issues` lists every problem found (capped at 100). */
export class ValidationError extends QuantDbError {
  /** Always `ValidationError`. */
  override readonly name = 'ValidationError'
  /** Every problem found, at most 100: row, field and message of each. */
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
  /** Always `NotFoundError`. */
  override readonly name = 'NotFoundError'
  /** The key that was looked up, e.g. `{ ticker: '005930', region: 'KR' }`. */
  readonly key: Readonly<Record<string, unknown>>

  constructor(table: string, key: Readonly<Record<string, unknown>>) {
    super('not_found', `No ${table} row for ${JSON.stringify(key)}`, { table })
    this.key = key
  }
}

/**
 * A ValidationError for one bad argument of a function that is not a table write (indicators, the
 * synthetic market, ops): `field` names the argument, `message` says what is wrong with it.
 *
 * @example
 * ```ts
 * throw invalidArgument('period', 'must be a positive integer, got 0')
 * ```
 */
export function invalidArgument(field: string, message: string, table?: string): ValidationError {
  return new ValidationError(table, [{ row: 0, field, message }])
}
