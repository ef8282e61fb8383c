import { QuantDbError, type QuantDbErrorReason } from './errors.js'
import { missingObjectHint } from './internal/library-objects.js'

// Codes a driver itself raises when a connection fails or goes: Node's socket errors, postgres.js's
// own (CONNECTION_*, CONNECT_TIMEOUT) and EPROTO, which our socket hook raises for a peer that does
// not speak the PostgreSQL protocol.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROTO',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
])

// Codes only postgres.js raises (besides the connection ones): they mark an error as the driver's own.
const POSTGRES_JS_CODES = new Set([
  'MAX_PARAMETERS_EXCEEDED', 'COPY_IN_PROGRESS', 'UNSAFE_TRANSACTION', 'SASL_SIGNATURE_MISMATCH',
  'AUTH_TYPE_NOT_IMPLEMENTED', 'MESSAGE_NOT_SUPPORTED', 'NOT_TAGGED_CALL', 'UNDEFINED_VALUE',
])

const SQLSTATE = /^[0-9A-Z]{5}$/

/** Maps a SQLSTATE (or a Node/postgres.js error code) to a reason. The one place this mapping lives. */
export function reasonFromCode(code: string | undefined): QuantDbErrorReason {
  if (!code) return 'query'
  if (CONNECTION_CODES.has(code)) return 'connection'
  switch (code) {
    case '23505': return 'unique_violation'
    case '23503': return 'foreign_key_violation'
    case '23514': return 'check_violation'
    case '23502': return 'not_null_violation'
    case '40001': return 'serialization'
    case '40P01': return 'deadlock'
    case '55P03': return 'lock_timeout'
    case '0A000': return 'unsupported'
    // The URL names a database that does not exist: a retry cannot help.
    case '3D000': return 'configuration'
    // configuration_limit_exceeded: a server setting refused the work (e.g. TimescaleDB's
    // max_tuples_decompressed_per_dml_transaction); the hint names the setting.
    case '53400': return 'configuration'
  }
  // invalid_authorization_specification (28000), invalid_password (28P01): wrong role or password.
  if (code.startsWith('28')) return 'authentication'
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return 'connection'
  if (code.startsWith('22')) return 'data'
  return 'query'
}

type AnyError = Error & Record<string, unknown>

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)

/**
 * True for what a database driver threw: a postgres.js `PostgresError`, a PGlite (pg-protocol)
 * `DatabaseError` (a `severity` and a SQLSTATE), one of postgres.js's own error codes, or an error
 * already mapped. False for everything else, including a caller's own error that happens to carry a
 * `code` (an `ENOENT` thrown inside a transaction passes through untouched).
 */
export function isDatabaseError(error: unknown): boolean {
  if (error instanceof QuantDbError) return true
  if (!(error instanceof Error)) return false
  const e = error as AnyError
  const code = str(e['code'])
  if (code === undefined) return false
  if (e.name === 'PostgresError') return true
  if (typeof e['severity'] === 'string' && SQLSTATE.test(code)) return true
  if (POSTGRES_JS_CODES.has(code)) return true
  // postgres.js's connection errors (and our socket hook's) repeat the code as `errno`; Node's own
  // socket errors carry a negative number there, as does anyone else's ECONNREFUSED.
  return CONNECTION_CODES.has(code) && e['errno'] === code
}

// Properties in which drivers and drizzle keep the statement and its bound values: hidden from
// enumeration (and so from util.inspect and JSON) on every error of a mapped error's cause chain.
const STATEMENT_KEYS = ['params', 'parameters', 'args', 'query', 'queryOptions', 'input', 'types', 'internalQuery', 'internal_query']
// Text fields in which the server may quote a value it refused.
const TEXT_KEYS = ['message', 'stack', 'detail', 'where', 'hint']
const REDACTED = '[redacted]'
// Shorter values (a region, a side, a flag) are no secrets, and erasing them would garble messages.
const MIN_REDACTED_LENGTH = 4

function secretsOf(params: readonly unknown[] | undefined): string[] {
  const out: string[] = []
  for (const p of params ?? []) {
    if (typeof p === 'string' && p.length >= MIN_REDACTED_LENGTH) out.push(p)
    else if (Array.isArray(p)) out.push(...secretsOf(p))
  }
  // Longest first, so a value containing another is erased whole.
  return out.sort((a, b) => b.length - a.length)
}

/** Erases every bound value of at least 4 characters from `text` (the server quotes values it refuses). */
export function redactValues(text: string, params: readonly unknown[] | undefined): string {
  let out = text
  for (const secret of secretsOf(params)) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  return out
}

/** Hides statement and parameters of each error in the chain, and erases bound values from its text. */
function sanitize(error: unknown, params: readonly unknown[] | undefined): void {
  let e = error as AnyError | undefined
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    for (const key of STATEMENT_KEYS) {
      const d = Object.getOwnPropertyDescriptor(e, key)
      if (d?.enumerable) Object.defineProperty(e, key, { ...d, enumerable: false })
    }
    if (params && params.length > 0) {
      for (const key of TEXT_KEYS) {
        const d = Object.getOwnPropertyDescriptor(e, key)
        if (d && 'value' in d && typeof d.value === 'string' && d.writable) e[key] = redactValues(d.value, params)
      }
    }
    e = e.cause as AnyError | undefined
  }
}

/**
 * Turns what a driver threw for one statement into a QuantDbError. Drizzle wraps driver errors in one
 * whose message repeats the SQL and every bound parameter; we unwrap it and keep only the server's
 * message. With `params`, bound values the server quotes (`invalid input syntax for type integer:
 * "…"`, `Key (ticker)=(…)`) are erased from the message, the fields and the cause, and the cause's
 * statement and parameters are made non-enumerable, so no bound value reaches a log line.
 */
export function toQuantDbError(error: unknown, params?: readonly unknown[]): QuantDbError {
  if (error instanceof QuantDbError) return error
  let e = error as AnyError
  // DrizzleQueryError (and similar wrappers) keep the driver's error in `cause`.
  while (e && typeof e === 'object' && e.cause && typeof e.cause === 'object' && !str(e['code'])) {
    e = e.cause as AnyError
  }
  if (!(e instanceof Error)) return new QuantDbError('query', redactValues(String(error), params))
  sanitize(error, params)
  const code = str(e['code']) ?? str(e['errno'])
  const fields = {
    code,
    detail: str(e['detail']),
    hint: str(e['hint']),
    // postgres.js names them *_name; PGlite (pg-protocol) without the suffix.
    constraint: str(e['constraint_name']) ?? str(e['constraint']),
    table: str(e['table_name']) ?? str(e['table']),
    column: str(e['column_name']) ?? str(e['column']),
    schema: str(e['schema_name']) ?? str(e['schema']),
    cause: e,
  }
  let message = e.message.startsWith('Failed query:') ? 'Query failed' : e.message
  // A limit's message alone does not say which setting: the server's hint does.
  if (code === '53400' && fields.hint) message = `${message}: ${fields.hint}`
  // A missing table or function of the library's own says that the database is not migrated (or by an
  // older version): the server's own hint, if any, is about casts.
  const notMigrated = missingObjectHint(code, message)
  if (notMigrated) message = `${message} (${notMigrated})`
  return new QuantDbError(reasonFromCode(code), message, fields)
}

/** True for errors after which a connection must be taken as gone (nothing more may be written to it). */
export function isConnectionLoss(error: unknown): boolean {
  return error instanceof QuantDbError ? error.reason === 'connection' : reasonFromCode(str((error as AnyError | undefined)?.['code'])) === 'connection'
}
