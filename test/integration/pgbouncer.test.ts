import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/client.js'
import type { OhlcvBarInput } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { pgbouncerBinary, startPgBouncer, type Bouncer } from '../helpers/pgbouncer.js'
import '../helpers/global-setup.js'

const PLAIN = process.env['QUANTDB_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const TIMESCALE = process.env['QUANTDB_TIMESCALE_URL'] ?? 'postgres://postgres@127.0.0.1:5433/postgres'

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

const bouncer = pgbouncerBinary()
const SERVERS = [
  { name: 'PostgreSQL', admin: PLAIN, port: 5505, up: inject('serverSkip') === null, timescale: false },
  { name: 'TimescaleDB', admin: TIMESCALE, port: 5506, up: await answers(TIMESCALE), timescale: true },
]
if ('skip' in bouncer && process.env['CI'] === 'true') throw new Error(`the PgBouncer suite needs pgbouncer in CI: ${bouncer.skip}`)

const bar = (ticker: string, date: string, close: number): OhlcvBarInput =>
  ({ ticker, region: 'KR', date, open: 100, high: Math.max(110, close), low: Math.min(90, close), close, volume: 1_000 })

for (const server of SERVERS) {
  const skip = 'skip' in bouncer ? bouncer.skip : server.up ? undefined : `no ${server.name} server at ${new URL(server.admin).host}`
  describe.skipIf(skip !== undefined)(`through PgBouncer (transaction mode) on ${server.name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let pooler: Bouncer
    let admin: postgres.Sql
    let qdb: QuantDb
    const name = `quantdb_bouncer_${process.pid}_${server.port}`
    const direct = () => Object.assign(new URL(server.admin), { pathname: `/${name}` }).toString()

    beforeAll(async () => {
      if (!('bin' in bouncer)) return
      admin = postgres(server.admin, { max: 1, onnotice: () => {} })
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`)
      await admin.unsafe(`CREATE DATABASE ${name}`)
      pooler = await startPgBouncer(bouncer.bin, server.admin, server.port)
      qdb = await createQuantDb({ url: pooler.through(direct()), prepare: false, logger: {}, pool: { max: 6 } })
    })

    afterAll(async () => {
      await qdb?.close()
      await pooler?.stop()
      await admin?.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin?.end({ timeout: 1 })
    })

    it('migrates once when four services migrate at the same time through the pooler (the lock is per transaction)', async () => {
      const clients = await Promise.all([0, 1, 2, 3].map(() =>
        createQuantDb({ url: pooler.through(direct()), prepare: false, logger: {}, pool: { max: 2 } })))
      try {
        const results = await Promise.all(clients.map((c) => c.migrate()))
        expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1)
        expect((await qdb.migrate()).applied).toEqual([])
      } finally {
        await Promise.all(clients.map((c) => c.close()))
      }
      expect((await qdb.query<{ n: number }>(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`))[0]!.n).toBeGreaterThan(0)
      await qdb.migrate() // capabilities of this client, now that the schema is there
      expect(qdb.capabilities.timescale).toBe(server.timescale)
    })

    it('runs migrations on migrationUrl, not on the pooled url', async () => {
      // A fresh database as migrationUrl: migrations land there, while the (migrated) pooled one is untouched.
      const other = `${name}_direct`
      await admin.unsafe(`CREATE DATABASE ${other}`)
      const otherUrl = Object.assign(new URL(server.admin), { pathname: `/${other}` }).toString()
      const c = await createQuantDb({ url: pooler.through(direct()), migrationUrl: otherUrl, prepare: false, logger: {} })
      try {
        expect((await c.migrate()).applied.length).toBeGreaterThan(0)
        const check = await createQuantDb({ url: otherUrl, logger: {} })
        try {
          expect((await check.query<{ n: number }>('SELECT count(*)::int AS n FROM tickers'))[0]!.n).toBe(0)
        } finally {
          await check.close()
        }
      } finally {
        await c.close()
        await admin.unsafe(`DROP DATABASE IF EXISTS ${other} WITH (FORCE)`)
      }
    })

    it('ingests bars by COPY, upserts tickers and factors, and reads them back', async () => {
      const market = syntheticMarket({ tickers: 12, days: 60, regions: ['KR'], seed: 12 })
      await qdb.tickers.upsert(market.tickers)
      const first = await qdb.ohlcv.upsert(market.bars)
      expect(first).toMatchObject({ inserted: market.bars.length, updated: 0, rejected: 0 })
      expect(await qdb.ohlcv.upsert(market.bars)).toMatchObject({ inserted: 0, updated: 0, unchanged: market.bars.length })
      const t = market.tickers[0]!
      const mine = market.bars.filter((b) => b.ticker === t.ticker).sort((a, b) => a.date.localeCompare(b.date))
      const latest = await qdb.ohlcv.recent({ ticker: t.ticker, region: t.region, limit: 5 })
      expect(latest.map((b) => b.close)).toEqual(mine.slice(-5).reverse().map((b) => b.close))
      const p = await qdb.ohlcv.panel({ tickers: [t.ticker], region: 'KR', from: mine[0]!.date, to: mine.at(-1)!.date, fields: ['close'] })
      expect(Array.from(p.fields.close[0]!)).toEqual(mine.map((b) => b.close))
      const date = mine.at(-1)!.date
      await qdb.factors.upsert([{ ticker: t.ticker, region: 'KR', calculationDate: date, layer1Total: 20, layer2Total: 40, layer3Total: 20, signal: 'BUY' }])
      expect((await qdb.factors.topSignals({ calculationDate: date, signal: 'BUY', limit: 5 })).map((s) => s.totalScore)).toEqual([80])
    })

    it('keeps a transaction on one server connection: commits together, rolls back together', async () => {
      await qdb.tickers.upsert([{ ticker: 'TXB', region: 'KR' }])
      await expect(qdb.transaction(async (tx) => {
        await tx.ohlcv.upsert([bar('TXB', '2024-03-04', 101)])
        await tx.logs.system({ logLevel: 'INFO', module: 'bouncer', message: 'inside' })
        throw new Error('rolled back')
      })).rejects.toThrow('rolled back')
      expect(await qdb.ohlcv.range({ ticker: 'TXB', region: 'KR', from: '2024-01-01', to: '2024-12-31' })).toEqual([])
      await qdb.transaction(async (tx) => {
        await tx.ohlcv.upsert([bar('TXB', '2024-03-04', 101)])
        expect((await tx.ohlcv.recent({ ticker: 'TXB', region: 'KR' }))[0]?.close).toBe(101)
      })
      expect((await qdb.ohlcv.range({ ticker: 'TXB', region: 'KR', from: '2024-01-01', to: '2024-12-31' })).map((b) => b.close)).toEqual([101])
    })

    it('answers 40 concurrent reads with more clients than server connections', async () => {
      const all = await Promise.all(Array.from({ length: 40 }, () => qdb.ohlcv.recent({ ticker: 'TXB', region: 'KR', limit: 1 })))
      expect(all.every((r) => r[0]?.close === 101)).toBe(true)
    })
  })
}
