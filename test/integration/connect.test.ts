import { describe, expect, it } from 'vitest'
import { createQuantDb, QuantDbError } from '../../src/index.js'
import { resolveOptions } from '../../src/options.js'

describe('connecting', () => {
  it('fails with a connection error that names the server but never the password', async () => {
    const error = await createQuantDb({ url: 'postgres://trader:hunter2@127.0.0.1:1/quant', connectTimeout: 2, logger: {} })
      .then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(QuantDbError)
    const e = error as QuantDbError
    expect(e.reason).toBe('connection')
    expect(e.isRetryable).toBe(true)
    expect(e.message).toContain('127.0.0.1:1, database quant')
    expect(e.message).not.toContain('hunter2')
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
