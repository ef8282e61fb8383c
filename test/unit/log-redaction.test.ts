import { describe, expect, it } from 'vitest'
import { isSecretKey, maskAccount, REDACTED, redactParams, redactText } from '../../src/repos/logs/redact.js'

// Realistic KIS (Korea Investment & Securities) credentials: an access token is a JWT, an app key
// 36 characters starting 'PS', an app secret 180 characters of base64.
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0b2tlbiIsImF1ZCI6ImQ4NmQ0YjI3In0.Zm9vYmFyLXNpZ25hdHVyZS14eXo'
const APP_KEY = 'PSg5dctL9dKPo727J13Ur405OSXXXXXXXXXX'
const APP_SECRET = 'yo2t8zS68zpdjGuWvFyM9VikjXE0i0CbgPEamnqPA00G0bIfrdfQb2RUD1xP7SqatQXr1cD1fGUNsb78MMXoq6o4lAYt9YTtHAjbMoFy+c72kbq5owQY1Pvp39/x6ejpJlXCj7gE3yVOB/h25Hvl+URmYeBTfrQeOqIAOYc/OI='
const ACCOUNT = '50012345'
const SECRETS = [TOKEN, APP_KEY, APP_SECRET, ACCOUNT]

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value)
  for (const s of SECRETS) expect(text).not.toContain(s)
}

describe('redactParams', () => {
  it('hides KIS order headers and masks the account number, keeping everything else', () => {
    const params = {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${TOKEN}`,
        appkey: APP_KEY,
        appsecret: APP_SECRET,
        tr_id: 'TTTC0802U',
        custtype: 'P',
      },
      body: { CANO: ACCOUNT, ACNT_PRDT_CD: '01', PDNO: '005930', ORD_DVSN: '00', ORD_QTY: '10', ORD_UNPR: '70000' },
    }
    expect(redactParams(params)).toEqual({
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: REDACTED,
        appkey: REDACTED,
        appsecret: REDACTED,
        tr_id: 'TTTC0802U',
        custtype: 'P',
      },
      body: { CANO: '******45', ACNT_PRDT_CD: '01', PDNO: '005930', ORD_DVSN: '00', ORD_QTY: '10', ORD_UNPR: '70000' },
    })
    // The input is not modified.
    expect(params.headers.appkey).toBe(APP_KEY)
  })

  it('hides the token request, the token response and the websocket approval request', () => {
    const tokenRequest = { body: { grant_type: 'client_credentials', appkey: APP_KEY, appsecret: APP_SECRET } }
    expect(redactParams(tokenRequest)).toEqual({ body: { grant_type: 'client_credentials', appkey: REDACTED, appsecret: REDACTED } })
    const tokenResponse = { access_token: TOKEN, token_type: 'Bearer', expires_in: 86400 }
    expect(redactParams(tokenResponse)).toEqual({ access_token: REDACTED, token_type: REDACTED, expires_in: 86400 })
    const approval = { grant_type: 'client_credentials', appkey: APP_KEY, secretkey: APP_SECRET }
    expect(redactParams(approval)).toEqual({ grant_type: 'client_credentials', appkey: REDACTED, secretkey: REDACTED })
  })

  it('matches secret keys in any case and spelling, at any depth, in arrays and header lists', () => {
    const params = {
      AppKey: 'a', APP_SECRET: 'b', 'X-Api-Key': 'c', Authorization: 'd', 'Set-Cookie': ['e'], Cookie: 'f',
      password: 'g', passwd: 'h', client_secret: 'i', refresh_token: 'j', private_key: 'k', apiKey: 'l',
      nested: { deeper: [{ access_token: 'm', keep: 'n' }] },
      rawHeaders: ['Authorization', 'Bearer o', 'appkey', 'p', 'tr_id', 'FHKST01010100'],
      tuples: [['appsecret', 'q'], ['custtype', 'P']],
    }
    expect(redactParams(params)).toEqual({
      AppKey: REDACTED, APP_SECRET: REDACTED, 'X-Api-Key': REDACTED, Authorization: REDACTED, 'Set-Cookie': REDACTED,
      Cookie: REDACTED, password: REDACTED, passwd: REDACTED, client_secret: REDACTED, refresh_token: REDACTED,
      private_key: REDACTED, apiKey: REDACTED,
      nested: { deeper: [{ access_token: REDACTED, keep: 'n' }] },
      rawHeaders: ['Authorization', REDACTED, 'appkey', REDACTED, 'tr_id', 'FHKST01010100'],
      tuples: [['appsecret', REDACTED], ['custtype', 'P']],
    })
  })

  it('reads Headers, Maps and URLSearchParams, and turns what JSON cannot carry into text', () => {
    const headers = new Headers({ authorization: `Bearer ${TOKEN}`, tr_id: 'TTTC8434R' })
    const circular: Record<string, unknown> = { name: 'loop' }
    circular['self'] = circular
    const out = redactParams({
      headers,
      map: new Map([['appsecret', APP_SECRET]]),
      query: new URLSearchParams({ appkey: APP_KEY, FID_INPUT_ISCD: '005930' }),
      url: new URL(`https://openapi.koreainvestment.com:9443/uapi/x?appkey=${APP_KEY}&n=1`),
      when: new Date('2024-06-28T00:00:00.000Z'),
      big: 10n, nan: Number.NaN, fn: () => 1, missing: undefined, nothing: null,
      circular,
      error: Object.assign(new Error(`token ${TOKEN} expired`), { code: 'EGW00123' }),
    }) as Record<string, unknown>
    expect(out['headers']).toEqual({ authorization: REDACTED, tr_id: 'TTTC8434R' })
    expect(out['map']).toEqual({ appsecret: REDACTED })
    expect(out['query']).toEqual({ appkey: REDACTED, FID_INPUT_ISCD: '005930' })
    expect(out['url']).toBe(`https://openapi.koreainvestment.com:9443/uapi/x?appkey=${REDACTED}&n=1`)
    expect(out['when']).toBe('2024-06-28T00:00:00.000Z')
    expect(out).toMatchObject({ big: '10', nan: 'NaN', nothing: null, circular: { name: 'loop', self: '[Circular]' } })
    expect(out).not.toHaveProperty('fn')
    expect(out).not.toHaveProperty('missing')
    expect(out['error']).toMatchObject({ name: 'Error', message: `token ${REDACTED} expired`, code: 'EGW00123' })
    expectNoSecret(out)
  })
})

describe('redactText', () => {
  it.each([
    [`GET /uapi/domestic-stock/v1/quotations/inquire-price?appkey=${APP_KEY}&appsecret=${APP_SECRET}&FID_INPUT_ISCD=005930`,
      `GET /uapi/domestic-stock/v1/quotations/inquire-price?appkey=${REDACTED}&appsecret=${REDACTED}&FID_INPUT_ISCD=005930`],
    [`401 Unauthorized: {"rt_cd":"1","msg_cd":"EGW00123","access_token":"${TOKEN}"}`,
      `401 Unauthorized: {"rt_cd":"1","msg_cd":"EGW00123","access_token":"${REDACTED}"}`],
    [`Authorization: Bearer ${TOKEN}\ntr_id: TTTC0802U`, `Authorization: ${REDACTED}\ntr_id: TTTC0802U`],
    [`retrying with Bearer ${TOKEN} now`, `retrying with Bearer ${REDACTED} now`],
    [`the token ${TOKEN} has expired`, `the token ${REDACTED} has expired`],
    ['password=hunter2; user=bob', `password=${REDACTED}; user=bob`],
    ['note: appkey=PSxyz', `note: appkey=${REDACTED}`],
    [`{"password": "correct horse battery staple"}`, `{"password": "${REDACTED}"}`],
    [`CANO=${ACCOUNT}&ACNT_PRDT_CD=01`, 'CANO=******45&ACNT_PRDT_CD=01'],
    ['tr_id=TTTC0802U, status: 200, url: https://example.com:443/x', 'tr_id=TTTC0802U, status: 200, url: https://example.com:443/x'],
    ['a\u0000b', 'a\uFFFDb'],
    // The password of a connection string; the user, host and an address without password stay.
    ['connect failed: postgres://app:s3cr3t-pw@db.internal:5432/quant?sslmode=require',
      `connect failed: postgres://app:${REDACTED}@db.internal:5432/quant?sslmode=require`],
    ['redis://:p@ss@cache:6379/0 and amqp://u:pw@mq', `redis://:${REDACTED}@cache:6379/0 and amqp://u:${REDACTED}@mq`],
    ['postgres://postgres@127.0.0.1:5432/postgres, see https://example.com:8080/a@b and bob@example.com',
      'postgres://postgres@127.0.0.1:5432/postgres, see https://example.com:8080/a@b and bob@example.com'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected)
  })

  it('leaves hostile URL-like input alone (the URL pattern is length-capped: linear, not quadratic)', () => {
    for (const text of ['a.'.repeat(100_000) + '://', `x://y:${'a@'.repeat(100_000)}`, `x://${'u:'.repeat(100_000)}`]) {
      expect(redactText(text)).toBe(text)
    }
  })

  it('stays linear on long runs of word characters', () => {
    const blob = 'A'.repeat(200_000)
    expect(redactText(`${blob} tail`)).toBe(`${blob} tail`)
    expect(redactText(`${blob}appkey=PSxyz`)).toBe(`${blob}appkey=${REDACTED}`)
  })

  it('leaves ordinary messages alone', () => {
    const message = '주문 전송 완료 (order sent): 005930 x 10 @ 70,000 KRW'
    expect(redactText(message)).toBe(message)
  })
})

describe('secret keys and account masking', () => {
  it('knows secret keys, and not ordinary ones', () => {
    for (const k of ['appkey', 'APPKEY', 'app_key', 'appSecret', 'secretkey', 'approval_key', 'x-api-key', 'Proxy-Authorization', 'session_id']) {
      expect(isSecretKey(k), k).toBe(true)
    }
    for (const k of ['tr_id', 'custtype', 'PDNO', 'ORD_QTY', 'CANO', 'ACNT_PRDT_CD', 'rt_cd', 'msg1', 'keyword']) {
      expect(isSecretKey(k), k).toBe(false)
    }
  })

  it('keeps the last two characters of an account number, none of a short one', () => {
    expect(maskAccount('50012345')).toBe('******45')
    expect(maskAccount('1234')).toBe('****')
  })
})
