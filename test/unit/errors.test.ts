import { describe, expect, it } from 'vitest'
import { QuantDbError, ValidationError } from '../../src/errors.js'
import { reasonFromCode, toQuantDbError } from '../../src/errors-map.js'

describe('error mapping', () => {
  it('maps SQLSTATEs to reasons, and only transient ones are retryable', () => {
    const cases: [string, string, boolean][] = [
      ['23505', 'unique_violation', false], ['23503', 'foreign_key_violation', false],
      ['23514', 'check_violation', false], ['23502', 'not_null_violation', false],
      ['40001', 'serialization', true], ['40P01', 'deadlock', true], ['55P03', 'lock_timeout', true],
      ['08006', 'connection', true], ['57P01', 'connection', true], ['ECONNREFUSED', 'connection', true],
      ['22003', 'data', false], ['42P01', 'query', false],
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
})
