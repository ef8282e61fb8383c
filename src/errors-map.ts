import { QuantDbError, type QuantDbErrorReason } from './errors.js'

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
])

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
    // configuration_limit_exceeded: a server setting refused the work (e.g. TimescaleDB's
    // max_tuples_decompressed_per_dml_transaction); the hint names the setting.
    case '53400': return 'configuration'
  }
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return 'connection'
  if (code.startsWith('22')) return 'data'
  return 'query'
}

type AnyError = Error & Record<string, unknown>

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)

/**
 * True for what a driver or drizzle threw (it carries a SQLSTATE or a connection code, itself or in
 * its `cause` chain); false for the caller's own errors, which a transaction passes through unchanged.
 */
export function isDatabaseError(error: unknown): boolean {
  let e = error as AnyError | undefined
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (e instanceof QuantDbError || str(e['code']) !== undefined) return true
    e = e.cause as AnyError | undefined
  }
  return false
}

/**
 * Turns whatever a driver threw into a QuantDbError. Drizzle wraps driver errors in one whose
 * message repeats the SQL and every bound parameter; we unwrap it and keep only the server's
 * message, so errors never carry thousands of parameters (or secrets) into a log line.
 */
export function toQuantDbError(error: unknown): QuantDbError {
  if (error instanceof QuantDbError) return error
  let e = error as AnyError
  // DrizzleQueryError (and similar wrappers) keep the driver's error in `cause`.
  while (e && typeof e === 'object' && e.cause && typeof e.cause === 'object' && !str(e['code'])) {
    e = e.cause as AnyError
  }
  if (!(e instanceof Error)) return new QuantDbError('query', String(error), { cause: error })
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
  return new QuantDbError(reasonFromCode(code), message, fields)
}
