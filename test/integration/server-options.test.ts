import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../helpers/global-setup.js'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'
import { createTestDb, type TestDb } from '../../src/testing/index.js'
import { adminUrlOf, skipReason, TARGETS } from '../helpers/targets.js'

describe('option resolution: option, then environment, then default', () => {
  it('takes the option first, the environment second, the default last', () => {
    const env = { QUANTDB_POOL_MAX: '4', QUANTDB_CONNECT_TIMEOUT: '3', QUANTDB_PREPARE: 'false', PGAPPNAME: 'from-env' }
    expect(resolveOptions({}, {}).server).toEqual({ max: 10, idleTimeout: 30, connectTimeout: 10, prepare: true, applicationName: 'quant-db', maxLifetime: undefined })
    expect(resolveOptions({}, env).server).toMatchObject({ max: 4, connectTimeout: 3, prepare: false, applicationName: 'from-env' })
    expect(resolveOptions({ pool: { max: 7 }, connectTimeout: 2, prepare: true, applicationName: 'opt', maxLifetime: 60 }, env).server)
      .toEqual({ max: 7, idleTimeout: 30, connectTimeout: 2, prepare: true, applicationName: 'opt', maxLifetime: 60 })
  })
})

const server = TARGETS.find((t) => t.name === 'server')!
const skip = skipReason(server)

describe.skipIf(skip !== null)(`server connection options${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  let base: TestDb
  const opened: QuantDb[] = []
  beforeAll(async () => { base = await createTestDb({ mode: 'postgres', adminUrl: adminUrlOf(server)! }) })
  afterAll(async () => {
    for (const q of opened) await q.close()
    await base.close()
  })
  const open = async (options: Parameters<typeof createQuantDb>[0]) => {
    const q = await createQuantDb({ url: base.url!, logger: {}, ...options })
    opened.push(q)
    return q
  }
  /** Prepared statements of the one connection a transaction holds, after the same query ran three times. */
  const preparedAfterRepeats = (q: QuantDb) => q.transaction(async (tx) => {
    for (let i = 0; i < 3; i++) await tx.query('SELECT count(*)::int AS n FROM tickers WHERE region = $1', ['KR'])
    await tx.tickers.find({ ticker: 'X', region: 'KR' })
    const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')
    return row!.n
  })

  it('prepare: false sends no named prepared statement (transaction-mode poolers); the default does', async () => {
    expect(await preparedAfterRepeats(await open({ prepare: false }))).toBe(0)
    expect(await preparedAfterRepeats(await open({}))).toBeGreaterThan(0)
  })

  it('applicationName names every connection in pg_stat_activity', async () => {
    const q = await open({ applicationName: 'collector-kr', maxLifetime: 120 })
    const [row] = await q.query<{ name: string }>('SELECT application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()')
    expect(row!.name).toBe('collector-kr')
    const [dflt] = await base.query<{ name: string }>('SELECT application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()')
    expect(dflt!.name).toBe('quant-db')
  })
})
