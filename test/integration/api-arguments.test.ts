import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/index.js'
import { createTestDb, type TestDb } from '../../src/testing/index.js'

// qdb.ops and createTestDb validate their arguments like the repositories: a ValidationError whose
// issues name the field, as a rejection (never a synchronous throw), before any SQL runs (so the
// embedded database, where every op is allowed, suffices).

/** The ValidationError `call` rejected with, and the fields its issues name. */
async function refusedFields(call: () => Promise<unknown>): Promise<string[]> {
  const error = await call().then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ValidationError)
  return (error as ValidationError).issues.map((i) => i.field)
}

describe('ops arguments', () => {
  let qdb: TestDb
  beforeAll(async () => { qdb = await createTestDb() }, 120_000)
  afterAll(async () => { await qdb?.close() })

  it('compress and decompress take { olderThan } / { newerThan } as intervals, and only hypertables', async () => {
    expect(await refusedFields(() => qdb.ops.compress('ohlcv_data', { olderThan: '30 days; DROP TABLE x' }))).toEqual(['olderThan'])
    expect(await refusedFields(() => qdb.ops.compress('ohlcv_data', { olderThan: 30 as never }))).toEqual(['olderThan'])
    expect(await refusedFields(() => qdb.ops.compress('ohlcv_data', { olderThan: '30 days', extra: 1 } as never))).toEqual(['(row)'])
    expect(await refusedFields(() => qdb.ops.compress('tickers'))).toEqual(['table'])
    expect(await refusedFields(() => qdb.ops.decompress('ohlcv_data', { newerThan: 'yesterday' }))).toEqual(['newerThan'])
    // A valid interval in words, several units, any case: accepted (nothing to compress yet).
    expect(await qdb.ops.compress('ohlcv_data', { olderThan: '1 Year 6 months' })).toBe(0)
    expect(await qdb.ops.decompress('ohlcv_data')).toBe(0)
  })

  it('slowQueries refuses a bad limit as such, not as a missing pg_stat_statements', async () => {
    expect(await refusedFields(() => qdb.ops.slowQueries({ limit: -1 }))).toEqual(['limit'])
    expect(await refusedFields(() => qdb.ops.slowQueries({ limit: 2.5 }))).toEqual(['limit'])
  })

  it('mergeCompressedChunks: a ValidationError with issues for the table and each option', async () => {
    expect(await refusedFields(() => qdb.ops.mergeCompressedChunks('tickers'))).toEqual(['table'])
    expect(await refusedFields(() => qdb.ops.mergeCompressedChunks('ohlcv_data', { interval: 'a year' }))).toEqual(['interval'])
    expect(await refusedFields(() => qdb.ops.mergeCompressedChunks('ohlcv_data', { recompress: 'yes' as never }))).toEqual(['recompress'])
  })

  it('runJobs takes an options object: target, procName and filter, each validated', async () => {
    expect(await refusedFields(() => qdb.ops.runJobs({ filter: 'ohlcv_data' as never }))).toEqual(['filter'])
    expect(await refusedFields(() => qdb.ops.runJobs({ target: '' }))).toEqual(['target'])
    expect(await refusedFields(() => qdb.ops.runJobs({ table: 'ohlcv_data' } as never))).toHaveLength(1)
    expect(await refusedFields(() => qdb.ops.runJobs((() => true) as never))).toHaveLength(1)
  })

  it('runJobs runs exactly the jobs every given option selects', async () => {
    const all = await qdb.ops.jobs()
    expect(all.length).toBeGreaterThan(0) // createTestDb(): embedded, with TimescaleDB's policies
    const compression = all.filter((j) => j.target === 'ohlcv_data' && j.procName === 'policy_compression').map((j) => j.jobId)
    expect(compression).toHaveLength(1)
    expect((await qdb.ops.runJobs({ target: 'ohlcv_data', procName: 'policy_compression' })).map((j) => j.jobId)).toEqual(compression)
    const refresh = all.filter((j) => j.procName === 'policy_refresh_continuous_aggregate').map((j) => j.jobId).sort()
    expect(refresh.length).toBeGreaterThan(0)
    const ran = await qdb.ops.runJobs({ filter: (j) => j.procName === 'policy_refresh_continuous_aggregate' })
    expect(ran.map((j) => j.jobId).sort()).toEqual(refresh)
  })
})

describe('repository options are read once', () => {
  let qdb: TestDb
  beforeAll(async () => { qdb = await createTestDb() }, 120_000)
  afterAll(async () => { await qdb?.close() })

  it('ohlcv.panel: the validated fields are the ones in the SQL, however often a getter would answer', async () => {
    let reads = 0
    const options = {
      tickers: ['GETTER'], region: 'KR', from: '2024-01-02', to: '2024-01-05',
      get fields(): string[] { reads++; return reads === 1 ? ['close'] : ['close::text) FROM tickers; --'] },
    }
    const panel = await qdb.ohlcv.panel(options as never)
    expect(reads).toBe(1)
    expect(Object.keys(panel.fields)).toEqual(['close'])
  })

  it('ohlcv.recomputeIndicators: options read once, unknown keys and a non-function onProgress refused', async () => {
    let reads = 0
    const options = { get region(): string { reads++; return reads === 1 ? 'KR' : 'XX' } }
    expect(await qdb.ohlcv.recomputeIndicators(options as never)).toMatchObject({ tickers: 0 })
    expect(reads).toBe(1)
    expect(await refusedFields(() => qdb.ohlcv.recomputeIndicators({ region: 'KR', since: '2024-01-02' } as never))).toEqual(['(row)'])
    expect(await refusedFields(() => qdb.ohlcv.recomputeIndicators({ region: 'KR', onProgress: 'log' as never }))).toEqual(['onProgress'])
  })
})

describe('createTestDb arguments', () => {
  it('refuses an unknown mode instead of treating it as a server', async () => {
    expect(await refusedFields(() => createTestDb({ mode: 'postgress' as never }))).toEqual(['mode'])
    expect(await refusedFields(() => createTestDb({ migrate: 'no' as never }))).toEqual(['migrate'])
  })
})
