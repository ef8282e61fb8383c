import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { describeServer, parseServerUrl, redactUrl } from '../../src/drivers/postgres/url.js'
import { QuantDbError, ValidationError } from '../../src/errors.js'
import { isDatabaseError, reasonFromCode, toQuantDbError } from '../../src/errors-map.js'

describe('error mapping', () => {
  it('maps SQLSTATEs to reasons, and only transient ones are retryable', () => {
    const cases: [string, string, boolean][] = [
      ['23505', 'unique_violation', false], ['23503', 'foreign_key_violation', false],
      ['23514', 'check_violation', false], ['23502', 'not_null_violation', false],
      ['40001', 'serialization', true], ['40P01', 'deadlock', true], ['55P03', 'lock_timeout', true],
      ['08006', 'connection', true], ['57P01', 'connection', true], ['ECONNREFUSED', 'connection', true],
      ['22003', 'data', false], ['42P01', 'query', false],
      // A refused password or role, a database that does not exist: retrying cannot help.
      ['28P01', 'authentication', false], ['28000', 'authentication', false], ['3D000', 'configuration', false],
      ['CONNECTION_CLOSED', 'connection', true], ['CONNECT_TIMEOUT', 'connection', true], ['EPROTO', 'connection', true],
    ]
    for (const [code, reason, retryable] of cases) {
      expect(reasonFromCode(code), code).toBe(reason)
      expect(new QuantDbError(reasonFromCode(code), 'x').isRetryable, code).toBe(retryable)
    }
  })

  it('keeps the server fields of postgres.js and PGlite errors', () => {
    const pgjs = Object.assign(new Error('duplicate key'), { code: '23505', detail: 'Key (ticker)=(A) exists.', constraint_name: 'tickers_pkey', table_name: 'tickers' })
    const pglite = Object.assign(new Error('violates check'), { code: '23514', constraint: 'chk_ohlcv_volume', table: 'ohlcv_data' })
    expect(toQuantDbError(pgjs)).toMatchObject({ reason: 'unique_violation', constraint: 'tickers_pkey', table: 'tickers', detail: 'Key (ticker)=(A) exists.' })
    expect(toQuantDbError(pglite)).toMatchObject({ reason: 'check_violation', constraint: 'chk_ohlcv_volume', table: 'ohlcv_data' })
  })

  it("drops drizzle's wrapper message, which repeats every bound parameter", () => {
    const cause = Object.assign(new Error('value too long for type character varying(20)'), { code: '22001' })
    const wrapped = Object.assign(new Error(`Failed query: insert into "tickers" ...\nparams: ${'secret-token,'.repeat(1000)}`), { cause })
    const mapped = toQuantDbError(wrapped)
    expect(mapped.message).toBe('value too long for type character varying(20)')
    expect(mapped.message).not.toContain('secret-token')
    expect(mapped.reason).toBe('data')
  })

  it('names row and field in a validation error, and caps nothing silently', () => {
    const e = new ValidationError('ohlcv_data', [
      { row: 3, field: 'high', message: 'must be >= low' },
      { row: 7, field: 'volume', message: 'must be a safe integer' },
    ])
    expect(e.message).toBe("Invalid ohlcv_data: row 3, field 'high': must be >= low (and 1 more)")
    expect(e.reason).toBe('validation')
    expect(e.issues).toHaveLength(2)
  })

  it('tells database errors from the caller\'s own, which may carry a code too', () => {
    const postgresJs = Object.assign(new Error('duplicate key'), { name: 'PostgresError', code: '23505', severity: 'ERROR' })
    const pglite = Object.assign(new Error('violates check'), { name: 'error', code: '23514', severity: 'ERROR' })
    const closed = Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED', errno: 'CONNECTION_CLOSED' })
    const tooMany = Object.assign(new Error('MAX_PARAMETERS_EXCEEDED: Max number of parameters (65534) exceeded'), { code: 'MAX_PARAMETERS_EXCEEDED' })
    for (const e of [postgresJs, pglite, closed, tooMany, new QuantDbError('query', 'x')]) expect(isDatabaseError(e), e.message).toBe(true)
    const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT', errno: -2, syscall: 'open' })
    const fetchRefused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' })
    const lookalike = Object.assign(new Error('my rule'), { code: '23505' })
    for (const e of [enoent, fetchRefused, lookalike, new Error('plain'), 'a string']) expect(isDatabaseError(e), String(e)).toBe(false)
  })

  it('erases bound values the server quotes, and hides the statement and parameters of the cause', () => {
    const secret = 'sk-live-0123456789'
    const cause = Object.assign(new Error(`invalid input syntax for type integer: "${secret}"`), {
      code: '22P02', severity: 'ERROR', detail: `Key (ticker)=(${secret}) already exists.`,
      query: 'SELECT $1::int, $2', params: [secret, 'KR'],
    })
    const e = toQuantDbError(cause, [secret, 'KR'])
    expect(e.message).toBe('invalid input syntax for type integer: "[redacted]"')
    expect(e.detail).toBe('Key (ticker)=([redacted]) already exists.')
    expect(e.cause).toBe(cause)
    expect(Object.keys(cause)).not.toContain('params')
    expect(inspect(e, { depth: 5 })).not.toContain(secret)
    // Short values (a region, a side) are left alone: erasing them would garble messages.
    expect(toQuantDbError(new Error('region KR is unknown'), ['KR']).message).toBe('region KR is unknown')
  })
})

describe('server URLs', () => {
  it('reads hosts, ports and database the way postgres.js does', () => {
    expect(parseServerUrl('postgres://me:pw@db1:5433,db2/quant')).toEqual({ endpoints: ['db1:5433', 'db2:5432'], database: 'quant' })
    expect(parseServerUrl('postgresql://127.0.0.1')).toEqual({ endpoints: ['127.0.0.1:5432'], database: undefined })
    expect(parseServerUrl('postgres://u@[::1]:6543/d%20b')).toEqual({ endpoints: ['[::1]:6543'], database: 'd b' })
    expect(describeServer(parseServerUrl('postgres://u:pw@127.0.0.1:5432/quant'))).toBe('127.0.0.1:5432, database quant')
  })

  it('redacts the whole password, even with unencoded special characters', () => {
    expect(redactUrl('postgres://u:p/a?s@s@127.0.0.1:5432/db')).toBe('postgres://u:***@127.0.0.1:5432/db')
    expect(redactUrl('postgres://u@127.0.0.1/db')).toBe('postgres://u@127.0.0.1/db')
  })
})
