import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import '../helpers/global-setup.js'
import { createQuantDb, QuantDbError, type QuantDb } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'
import { listen, within, type Listener, type ListenerMode } from '../helpers/loopback.js'

const PASSWORD = 's3cret-Pw-4711'
const urlFor = (port: number, database = 'quant') => `postgres://trader:${PASSWORD}@127.0.0.1:${port}/${database}`
const SERVER_PORT = Number(new URL(process.env['QUANTDB_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres').port || 5432)

/** What createQuantDb rejected with, failing the test if it resolved or took longer than `seconds`. */
async function refusal(url: string, connectTimeout: number): Promise<QuantDbError> {
  const outcome = await within(createQuantDb({ url, connectTimeout, logger: {} }), connectTimeout + 1)
  if (outcome === 'timed out') throw new Error(`createQuantDb did not settle within ${connectTimeout + 1}s`)
  if ('value' in outcome) {
    await outcome.value.close()
    throw new Error('createQuantDb connected')
  }
  expect(outcome.error).toBeInstanceOf(QuantDbError)
  return outcome.error as QuantDbError
}

/** No trace of the password anywhere util.inspect looks (message, enumerable fields, cause chain). */
function expectNoPassword(error: unknown): void {
  expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD)
  expect(JSON.stringify(error)).not.toContain(PASSWORD)
}

describe('connecting', () => {
  it('fails with a connection error that names the server but never the password', async () => {
    const e = await refusal(urlFor(1), 2)
    expect(e.reason).toBe('connection')
    expect(e.isRetryable).toBe(true)
    expect(e.message).toContain('127.0.0.1:1, database quant')
    expectNoPassword(e)
  })

  it('applies the timezone option to every connection', async () => {
    const qdb = await createQuantDb({ timezone: 'UTC', logger: {} })
    try {
      expect(await qdb.query(`SELECT current_setting('TimeZone') AS tz`)).toEqual([{ tz: 'UTC' }])
    } finally {
      await qdb.close()
    }
  })

  it('resolves options as option, then environment, then default', () => {
    expect(resolveOptions({}, {}).timezone).toBe('Asia/Seoul')
    expect(resolveOptions({}, { QUANTDB_TIMEZONE: 'UTC' }).timezone).toBe('UTC')
    expect(resolveOptions({ timezone: 'America/New_York' }, { QUANTDB_TIMEZONE: 'UTC' }).timezone).toBe('America/New_York')
    expect([...resolveOptions({ extraRegions: ['SG'] }, {}).regions]).toEqual(['KR', 'US', 'CN', 'HK', 'JP', 'VN', 'SG'])
  })
})

describe('connecting to a loopback listener that is not a working server settles within connectTimeout + 1 s', () => {
  const cases: [string, ListenerMode][] = [
    ['accepts and closes', { kind: 'close' }],
    ['accepts and stays silent', { kind: 'silent' }],
    ['answers garbage and stays open', { kind: 'garbage' }],
    ['answers garbage and closes', { kind: 'garbage-close' }],
  ]
  for (const [title, mode] of cases) {
    it(`${title}: a retryable connection error naming host, port and database, never the password`, async () => {
      const listener = await listen(mode)
      try {
        const e = await refusal(urlFor(listener.port), 1)
        expect(e.reason).toBe('connection')
        expect(e.isRetryable).toBe(true)
        expect(e.message).toContain(`127.0.0.1:${listener.port}, database quant`)
        expect(e.message).not.toContain('undefined')
        expectNoPassword(e)
        // postgres.js used to reconnect ~700 times a second here, for ever.
        expect(listener.accepted).toBeLessThan(5)
      } finally {
        await listener.close()
      }
    })
  }

  const refusals: [string, string, string][] = [
    ['28P01', 'password authentication failed for user "trader"', 'authentication'],
    ['28000', 'role "trader" does not exist', 'authentication'],
    ['3D000', 'database "quant" does not exist', 'configuration'],
  ]
  for (const [code, message, reason] of refusals) {
    it(`a server refusing with ${code} gives reason '${reason}', not retryable`, async () => {
      const listener = await listen({ kind: 'fatal', code, message })
      try {
        const e = await refusal(urlFor(listener.port), 1)
        expect(e).toMatchObject({ reason, code, isRetryable: false })
        expect(e.message).toContain(`127.0.0.1:${listener.port}, database quant`)
        expect(e.message).toContain(message)
        expectNoPassword(e)
      } finally {
        await listener.close()
      }
    })
  }
})

describe.skipIf(inject('serverSkip') !== null)('connecting to the PostgreSQL server (skipped: no server answered)', () => {
  it('a database that does not exist: configuration error, not retryable', async () => {
    const e = await refusal(`postgres://postgres:${PASSWORD}@127.0.0.1:${SERVER_PORT}/qdb_no_such_database`, 2)
    expect(e).toMatchObject({ reason: 'configuration', code: '3D000', isRetryable: false })
    expect(e.message).toContain(`127.0.0.1:${SERVER_PORT}, database qdb_no_such_database`)
    expectNoPassword(e)
  })

  it('a role that does not exist: authentication error, not retryable', async () => {
    const e = await refusal(`postgres://qdb_no_such_role:${PASSWORD}@127.0.0.1:${SERVER_PORT}/postgres`, 2)
    expect(e).toMatchObject({ reason: 'authentication', code: '28000', isRetryable: false })
    expectNoPassword(e)
  })

  describe('a connected client whose server stops answering properly', () => {
    let proxy: Listener
    let qdb: QuantDb
    beforeAll(async () => {
      proxy = await listen({ kind: 'forward', port: SERVER_PORT })
      qdb = await createQuantDb({ url: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`, connectTimeout: 1, pool: { max: 2 }, logger: {} })
    })
    afterAll(async () => {
      proxy.setMode({ kind: 'close' })
      await qdb?.close()
      await proxy?.close()
    })

    for (const kind of ['close', 'silent', 'garbage', 'garbage-close'] as const) {
      it(`settles every call within connectTimeout + 1 s when the server turns into a listener in mode '${kind}', then works again`, async () => {
        expect(await qdb.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
        proxy.setMode({ kind })
        proxy.dropAll()
        const outcomes = await Promise.all([qdb.query('SELECT 2'), qdb.transaction((tx) => tx.query('SELECT 3')), qdb.tickers.list()]
          .map((call) => within(call, 2)))
        for (const outcome of outcomes) {
          expect(outcome, 'settled').not.toBe('timed out')
          expect(outcome).toHaveProperty('error')
          expect((outcome as { error: QuantDbError }).error).toMatchObject({ reason: 'connection' })
        }
        proxy.setMode({ kind: 'forward', port: SERVER_PORT })
        expect(await qdb.query('SELECT 4 AS four')).toEqual([{ four: 4 }])
      })
    }
  })
})

describe('a malformed URL is refused without its password', () => {
  const malformed: [string, RegExp][] = [
    [`postgres://u:${PASSWORD}@127.0.0.1:notaport/db`, /port of host '127\.0\.0\.1'/],
    [`postgres://u:${PASSWORD}@127.0.0.1:99999/db`, /port of host '127\.0\.0\.1'/],
    [`postgres://u:${PASSWORD}@db1:5432,db2:x/db`, /port of host 'db2'/],
    [`postgres://u:${PASSWORD}@[::1/db`, /not a valid URL/],
    [`postgres://u:${PASSWORD}%zz@127.0.0.1/db`, /malformed/],
    [`postgres://u:${PASSWORD}/x@127.0.0.1:5432/db`, /not %-encoded/],
    [`postgres://[u:${PASSWORD}/x@127.0.0.1:5432/db`, /not %-encoded/],
    [`mysql://u:${PASSWORD}@127.0.0.1/db`, /postgres:\/\//],
  ]
  for (const [url, problem] of malformed) {
    it(`${url.replace(PASSWORD, '…')}`, async () => {
      const error = await createQuantDb({ url, logger: {} }).then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(QuantDbError)
      expect(error).toMatchObject({ reason: 'configuration', isRetryable: false })
      expect((error as Error).message).toMatch(problem)
      expect((error as Error).message).toContain('***')
      expectNoPassword(error)
    })
  }
})

it('a connectTimeout that is not a positive number of seconds is refused before connecting', async () => {
  for (const connectTimeout of [0, -1, Number.NaN]) {
    const error = await createQuantDb({ url: urlFor(1), connectTimeout, logger: {} }).then(() => null, (e: unknown) => e)
    expect(error).toMatchObject({ reason: 'configuration' })
  }
})
