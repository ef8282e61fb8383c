import { expect, it } from 'vitest'
import { REDACTED } from '../../src/index.js'
import { ACCOUNT_PATTERNS, SECRET_PATTERNS, secretOf } from '../helpers/secret-patterns.js'
import { forEachTarget } from '../helpers/targets.js'

// Every secret pattern, as a key and inside text, through both logs into the database and read back:
// what is stored holds none of the secrets (the unit tests check each pattern's exact output).

const keyed = Object.fromEntries(SECRET_PATTERNS.map(({ pattern, key }) => [key, secretOf(pattern)]))
const inText = SECRET_PATTERNS.map(({ pattern, key }) => `${key}=${secretOf(pattern)}`).join('; ')
const hiddenKeys = Object.fromEntries(SECRET_PATTERNS.map(({ key }) => [key, REDACTED]))
const accounts = Object.fromEntries(ACCOUNT_PATTERNS.map((k) => [k, '50012345']))
const maskedAccounts = Object.fromEntries(ACCOUNT_PATTERNS.map((k) => [k, '******45']))

forEachTarget('log redaction', (_target, db) => {
  const leaks = (stored: unknown) => SECRET_PATTERNS.filter(({ pattern }) => JSON.stringify(stored).includes(secretOf(pattern))).map((p) => p.pattern)

  it('api_logs: no secret of any pattern is stored, as a key or inside text', async () => {
    await db().logs.api({
      endpoint: `/uapi/q?x-api-key=${secretOf('apikey')}`, region: 'KR', status: 401,
      params: { headers: keyed, body: accounts, note: inText }, error: `refused: ${inText}`,
    })
    const [row] = await db().query<Record<string, unknown>>(
      `SELECT api_endpoint, request_params, error_message FROM api_logs WHERE api_endpoint LIKE '/uapi/q%'`)
    expect(leaks(row)).toEqual([])
    expect(row!['request_params']).toMatchObject({ headers: hiddenKeys, body: maskedAccounts })
    expect(row!['api_endpoint']).toBe(`/uapi/q?x-api-key=${REDACTED}`)
    expect((row!['error_message'] as string).split(REDACTED)).toHaveLength(SECRET_PATTERNS.length + 1)
  })

  it('system_logs: no secret of any pattern is stored, as a key or inside text (direct and through the batch writer)', async () => {
    const error = new Error(`connect failed: ${inText}`)
    await db().logs.system({ level: 'ERROR', module: 'redaction-test', message: `login: ${inText}`, context: { conn: keyed, accounts }, error })
    const writer = db().logs.createSystemLogWriter()
    writer.log({ level: 'ERROR', module: 'redaction-test', message: `batched: ${inText}`, context: { conn: keyed } })
    await writer.close()
    const rows = await db().query<Record<string, unknown>>(
      `SELECT message, context, stack_trace FROM system_logs WHERE module = 'redaction-test' ORDER BY message DESC`)
    expect(rows).toHaveLength(2)
    expect(leaks(rows)).toEqual([])
    expect(rows[0]!['context']).toEqual({ conn: hiddenKeys, accounts: maskedAccounts })
    expect(rows[1]!['context']).toEqual({ conn: hiddenKeys })
    expect((rows[0]!['message'] as string).split(REDACTED)).toHaveLength(SECRET_PATTERNS.length + 1)
  })
})
