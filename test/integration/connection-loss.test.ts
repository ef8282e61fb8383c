import { sql } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import '../helpers/global-setup.js'
import { QuantDbError, type OhlcvBarInput, type QuantDb } from '../../src/index.js'
import { tickers } from '../../src/schema/index.js'
import { createTestDb, type TestDb } from '../../src/testing/index.js'
import { ownServer, ownServerUnavailable, Saboteur, type OwnServer } from '../helpers/server-faults.js'

// A connection that dies mid-call (its backend terminated, the server killed) must fail that call
// with reason 'connection', write nothing of it, leave the process alive and the client usable.
// postgres.js used to kill the process here: its transactions wrote a ROLLBACK down the dead
// connection (an uncaught TypeError from a setImmediate). Each call is blocked on a lock held by a
// second connection, so the failure lands mid-transaction every time.

const DAY = 86_400_000
function bars(ticker: string, count: number): OhlcvBarInput[] {
  return Array.from({ length: count }, (_, i) => ({
    ticker, region: 'KR', date: new Date(Date.UTC(1980, 0, 1) + i * DAY).toISOString().slice(0, 10),
    open: 100 + (i % 7), high: 110 + (i % 7), low: 90 + (i % 7), close: 105 + (i % 7), volume: 1_000 + i,
  }))
}

/** Uncaught exceptions and unhandled rejections of this process while the tests run. */
const escaped: unknown[] = []
const record = (e: unknown) => { escaped.push(e) }
/** Lets deferred work (postgres.js writes on setImmediate) run, then checks that nothing escaped. */
async function expectProcessUnharmed(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  expect(escaped).toEqual([])
}

/** Starts watching a call at once (a rejection must not wait unhandled while the test works). */
function watching(call: Promise<unknown>): Promise<unknown> {
  return call.then(() => 'resolved', (e: unknown) => e)
}

/** The watched call rejected with a retryable connection error. */
async function rejection(watched: Promise<unknown>): Promise<QuantDbError> {
  const error = await watched
  expect(error, 'the call rejects').toBeInstanceOf(QuantDbError)
  expect(error).toMatchObject({ reason: 'connection', isRetryable: true })
  return error as QuantDbError
}

const count = async (qdb: QuantDb, sql: string, params: unknown[] = []) =>
  Number((await qdb.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params))[0]!.n)

beforeAll(() => {
  process.on('uncaughtException', record)
  process.on('unhandledRejection', record)
})
afterAll(() => {
  process.off('uncaughtException', record)
  process.off('unhandledRejection', record)
})

describe.skipIf(inject('serverSkip') !== null)('a backend terminated mid-call [server] (skipped: no PostgreSQL server answered)', () => {
  let qdb: TestDb
  let saboteur: Saboteur
  let database: string

  beforeAll(async () => {
    qdb = await createTestDb({ mode: 'postgres' })
    database = qdb.databaseName!
    saboteur = new Saboteur(qdb.url!)
    await qdb.tickers.upsert([{ ticker: 'LOSS', region: 'KR' }, { ticker: 'COPY', region: 'KR' }])
  })
  afterEach(async () => {
    await saboteur.unlock()
  })
  afterAll(async () => {
    await saboteur?.end()
    await qdb?.close()
  })

  it('ohlcv.upsert: rejects with a connection error, writes nothing, and the same client works again', async () => {
    await saboteur.lock('ohlcv_data')
    const call = watching(qdb.ohlcv.upsert(bars('LOSS', 2_000)))
    await saboteur.terminate(await saboteur.blockedBackend(database))
    await rejection(call)
    await saboteur.unlock()
    await expectProcessUnharmed()
    expect(await count(qdb, 'ohlcv_data WHERE ticker = $1', ['LOSS'])).toBe(0)
    expect(await qdb.ohlcv.upsert(bars('LOSS', 2_000))).toMatchObject({ inserted: 2_000 })
    expect(await count(qdb, 'ohlcv_data WHERE ticker = $1', ['LOSS'])).toBe(2_000)
  })

  it('ohlcv.upsert of 200,000 bars: terminated while its COPY streams, nothing is written', async () => {
    const call = watching(qdb.ohlcv.upsert(bars('COPY', 200_000)))
    await saboteur.terminate(await saboteur.activeBackend(database, 'COPY%'))
    await rejection(call)
    await expectProcessUnharmed()
    expect(await count(qdb, 'ohlcv_data WHERE ticker = $1', ['COPY'])).toBe(0)
    expect(await qdb.ohlcv.upsert(bars('COPY', 100))).toMatchObject({ inserted: 100 })
  })

  it('portfolio.applyTrade: no trade and no position move, then the same client trades', async () => {
    const buy = { ticker: 'LOSS', region: 'KR', tradeDate: '2024-06-03', tradeType: 'BUY' as const, quantity: 10, price: 1_000 }
    await qdb.portfolio.applyTrade(buy)
    await saboteur.lock('portfolio')
    const call = watching(qdb.portfolio.applyTrade({ ...buy, quantity: 5 }))
    await saboteur.terminate(await saboteur.blockedBackend(database))
    await rejection(call)
    await saboteur.unlock()
    await expectProcessUnharmed()
    expect(await count(qdb, 'trades')).toBe(1)
    expect((await qdb.portfolio.position('LOSS', 'KR'))?.quantity).toBe(10)
    await qdb.portfolio.applyTrade({ ...buy, quantity: 5 })
    expect((await qdb.portfolio.position('LOSS', 'KR'))?.quantity).toBe(15)
  })

  it('qdb.transaction: a statement blocked when the backend goes; the writes before it are rolled back', async () => {
    await saboteur.lock('system_logs')
    const call = watching(qdb.transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'TXA', region: 'KR' }])
      await tx.logs.system({ level: 'INFO', module: 'loss', message: 'blocked' })
    }))
    await saboteur.terminate(await saboteur.blockedBackend(database))
    await rejection(call)
    await saboteur.unlock()
    await expectProcessUnharmed()
    expect(await qdb.tickers.find('TXA', 'KR')).toBeUndefined()
    await qdb.transaction((tx) => tx.tickers.upsert([{ ticker: 'TXA', region: 'KR' }]))
    expect(await qdb.tickers.find('TXA', 'KR')).toBeDefined()
  })

  it('qdb.transaction: the backend goes between two statements; the next one is refused without a write', async () => {
    const call = watching(qdb.transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'TXB', region: 'KR' }])
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid') as [{ pid: number }]
      await saboteur.terminate(pid)
      await tx.tickers.upsert([{ ticker: 'TXC', region: 'KR' }])
      await tx.query('SELECT 1')
    }))
    await rejection(call)
    await expectProcessUnharmed()
    expect(await qdb.tickers.find('TXB', 'KR')).toBeUndefined()
    expect(await qdb.tickers.find('TXC', 'KR')).toBeUndefined()
    expect(await qdb.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
  })

  it("drizzle's own transaction on qdb.db: the same", async () => {
    const call = watching(qdb.db.transaction(async (tx) => {
      await tx.insert(tickers).values({ ticker: 'TXD', region: 'KR' })
      const [row] = await tx.execute(sql`SELECT pg_backend_pid() AS pid`) as unknown as [{ pid: number }]
      await saboteur.terminate(row.pid)
      await tx.insert(tickers).values({ ticker: 'TXE', region: 'KR' })
    }))
    await rejection(call)
    await expectProcessUnharmed()
    expect(await qdb.tickers.find('TXD', 'KR')).toBeUndefined()
    expect(await qdb.tickers.find('TXE', 'KR')).toBeUndefined()
  })
})

const KILL_PORT = Number(process.env['QUANTDB_KILL_TEST_PORT'] ?? 5451)
const unavailable = ownServerUnavailable()

describe.skipIf(!!unavailable)(`a TimescaleDB server killed with -9 mid-call, on port ${KILL_PORT} (${unavailable ? `skipped: ${unavailable}` : 'a server of its own'})`, () => {
  let server: OwnServer
  let qdb: TestDb
  let saboteur: Saboteur | undefined

  beforeAll(async () => {
    server = await ownServer(KILL_PORT)
    qdb = await createTestDb({ mode: 'postgres', adminUrl: server.url, connectTimeout: 5 })
    await qdb.tickers.upsert([{ ticker: 'KILL', region: 'KR' }])
  }, 300_000)
  afterAll(async () => {
    await saboteur?.end()
    await qdb?.close()
    await server?.stop()
  })

  /** Blocks `call` on a lock, kills the server under it, checks the rejection, restarts the server. */
  async function killDuring(table: string, start: () => Promise<unknown>): Promise<void> {
    saboteur = new Saboteur(qdb.url!)
    await saboteur.lock(table)
    const call = watching(start())
    await saboteur.blockedBackend(qdb.databaseName!)
    await server.kill()
    await rejection(call)
    await saboteur.end()
    saboteur = undefined
    // While the server is down, calls fail the same way, and settle.
    await rejection(watching(qdb.query('SELECT 1')))
    await server.start()
    await expectProcessUnharmed()
  }

  it('ohlcv.upsert: rejects, nothing is half-written, and the same client works once the server is back', async () => {
    expect(qdb.capabilities.timescale).toBe(true)
    await killDuring('ohlcv_data', () => qdb.ohlcv.upsert(bars('KILL', 5_000)))
    expect(await count(qdb, 'ohlcv_data WHERE ticker = $1', ['KILL'])).toBe(0)
    expect(await qdb.ohlcv.upsert(bars('KILL', 5_000))).toMatchObject({ inserted: 5_000 })
  }, 300_000)

  it('qdb.transaction: rejects, none of its writes survive, and the same client works once the server is back', async () => {
    await killDuring('system_logs', () => qdb.transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'KTX', region: 'KR' }])
      await tx.logs.system({ level: 'INFO', module: 'kill', message: 'blocked' })
    }))
    expect(await qdb.tickers.find('KTX', 'KR')).toBeUndefined()
    await qdb.transaction((tx) => tx.tickers.upsert([{ ticker: 'KTX', region: 'KR' }]))
    expect(await qdb.tickers.find('KTX', 'KR')).toBeDefined()
  }, 300_000)
})
