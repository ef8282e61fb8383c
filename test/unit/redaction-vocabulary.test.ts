import { describe, expect, it } from 'vitest'
import { toApiLogRow, toSystemLogRow } from '../../src/repos/logs/records.js'
import { isAccountKey, isSecretKey, REDACTED, redactParams, redactText } from '../../src/repos/logs/redact.js'
import { ACCOUNT_PATTERNS, SECRET_PATTERNS, secretOf } from '../helpers/secret-patterns.js'

// The secret vocabulary of src/repos/logs/redact.ts, written out in test/helpers/secret-patterns.ts (not
// imported from the library): dropping any one word from the library's list makes its rows below fail. Every pattern is tried as a key (params, context) and inside
// text (a query string, a header line, an ODBC connection string, JSON in an error message), through
// redactParams / redactText and through both log records (api_logs and system_logs).

describe('each secret pattern is hidden', () => {
  it('the list here names 18 patterns, each key matching its own pattern and no other', () => {
    expect(SECRET_PATTERNS).toHaveLength(18)
    const norm = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, '')
    for (const { pattern, key } of SECRET_PATTERNS) {
      const others = SECRET_PATTERNS.filter((p) => p.pattern !== pattern && p.pattern.length > 4 && norm(key).includes(p.pattern))
      expect(others, key).toEqual([])
    }
  })

  describe.each(SECRET_PATTERNS)('$pattern (key $key)', ({ pattern, key }) => {
    const secret = secretOf(pattern)

    it('as a key: isSecretKey, redactParams at any depth and in header lists', () => {
      expect(isSecretKey(key)).toBe(true)
      expect(redactParams({ [key]: secret, keep: 'v' })).toEqual({ [key]: REDACTED, keep: 'v' })
      expect(redactParams({ a: [{ [key]: secret }] })).toEqual({ a: [{ [key]: REDACTED }] })
      expect(redactParams({ rawHeaders: [key, secret, 'tr_id', 'T1'] })).toEqual({ rawHeaders: [key, REDACTED, 'tr_id', 'T1'] })
      expect(redactParams({ headers: new Headers({ [key]: secret }) })).toEqual({ headers: { [key.toLowerCase()]: REDACTED } })
    })

    it.each([
      [`GET /uapi/x?${key}=${secret}&FID_INPUT_ISCD=005930`, `GET /uapi/x?${key}=${REDACTED}&FID_INPUT_ISCD=005930`],
      [`${key}: ${secret}\ntr_id: TTTC0802U`, `${key}: ${REDACTED}\ntr_id: TTTC0802U`],
      [`Driver={ODBC Driver 18};Server=db;UID=sa;${key}=${secret};Encrypt=yes`, `Driver={ODBC Driver 18};Server=db;UID=sa;${key}=${REDACTED};Encrypt=yes`],
      [`400 Bad Request: {"${key}":"${secret}","rt_cd":"1"}`, `400 Bad Request: {"${key}":"${REDACTED}","rt_cd":"1"}`],
      [`retry (${key} = '${secret}') later`, `retry (${key} = '${REDACTED}') later`],
    ])('inside text: %s', (text, expected) => {
      expect(redactText(text)).toBe(expected)
    })

    it('through api_logs: params (as a key) and endpoint and error (inside text)', () => {
      const row = toApiLogRow({
        endpoint: `/uapi/x?${key}=${secret}`, params: { headers: { [key]: secret } }, error: `failed: ${key}=${secret}`, status: 401,
      }, new Set(['KR']))
      expect(row.requestParams).toEqual({ headers: { [key]: REDACTED } })
      expect(row.apiEndpoint).toBe(`/uapi/x?${key}=${REDACTED}`)
      expect(row.errorMessage).toBe(`failed: ${key}=${REDACTED}`)
      expect(JSON.stringify(row)).not.toContain(secret)
    })

    it('through system_logs: context (as a key), message and stack trace (inside text)', () => {
      const error = new Error(`connect failed; ${key}=${secret}`)
      const row = toSystemLogRow({ level: 'ERROR', message: `login with ${key}: ${secret}`, context: { conn: { [key]: secret } }, error })
      expect(row.context).toEqual({ conn: { [key]: REDACTED } })
      expect(row.message).toBe(`login with ${key}: ${REDACTED}`)
      expect(row.stackTrace).toContain(`${key}=${REDACTED}`)
      expect(JSON.stringify(row)).not.toContain(secret)
    })
  })
})

describe('each account-number key is masked', () => {
  it.each(ACCOUNT_PATTERNS)('%s', (key) => {
    expect(isAccountKey(key)).toBe(true)
    expect(isSecretKey(key)).toBe(false)
    expect(redactParams({ [key]: '50012345' })).toEqual({ [key]: '******45' })
    expect(redactText(`${key}=50012345&x=1`)).toBe(`${key}=******45&x=1`)
    expect(toApiLogRow({ endpoint: '/e', params: { body: { [key]: '50012345' } } }, new Set(['KR'])).requestParams).toEqual({ body: { [key]: '******45' } })
  })
})

describe('the common credential shapes in free text', () => {
  it.each([
    ['ODBC connection string', 'Server=db;UID=sa;PWD=hunter2;Database=quant', `Server=db;UID=sa;PWD=${REDACTED};Database=quant`],
    ['Authorization header', 'Authorization: Bearer abc.def-ghi', `Authorization: ${REDACTED}`],
    ['a bare Bearer credential', 'sent Bearer abc.def-ghi upstream', `sent Bearer ${REDACTED} upstream`],
    ['a Basic credential', 'header Basic dXNlcjpwYXNz=', `header Basic ${REDACTED}`],
    ['URL query apikey', 'https://api.example.com/v1/q?symbol=AAPL&apikey=K3y', `https://api.example.com/v1/q?symbol=AAPL&apikey=${REDACTED}`],
    ['URL user info', 'mysql://app:hunter2@127.0.0.1/db', `mysql://app:${REDACTED}@127.0.0.1/db`],
    ['a JWT on its own', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln was refused', `token ${REDACTED} was refused`],
  ])('%s', (_name, text, expected) => {
    expect(redactText(text)).toBe(expected)
    expect(toSystemLogRow({ level: 'ERROR', message: text }).message).toBe(expected)
    expect(toApiLogRow({ endpoint: '/e', error: text }, new Set(['KR'])).errorMessage).toBe(expected)
  })
})
