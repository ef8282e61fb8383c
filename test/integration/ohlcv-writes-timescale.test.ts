import { expect, it } from 'vitest'
import { createQuantDb, QuantDbError, type QuantDb } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { forEachTarget, type Target } from '../helpers/targets.js'
import type { TestDb } from '../../src/testing/index.js'
import { copyStraight, nothingStoredIn, spanOf } from '../../src/repos/ohlcv/direct-copy.js'
import type { RepoContext } from '../../src/repos/context.js'

// 6 tickers x 100 weekdays from 2021-01-04: five 1-month chunks, old enough to be compressed.
const market = syntheticMarket({ seed: 5, tickers: 6, days: 100, start: '2021-01-04' })
const bars = market.bars
const LIMIT = 'timescaledb.max_tuples_decompressed_per_dml_transaction'

/**
 * A client on the same database whose server-side decompression limit is tiny (20 tuples), as a
 * server configured with the default 100,000 is for a market of 2,000 tickers: embedded, the one
 * session itself; on a server, a new single-connection client after ALTER DATABASE.
 */
async function limitedClient(target: Target, db: TestDb): Promise<{ client: QuantDb; done: () => Promise<void> }> {
  if (!target.remote) {
    await db.exec(`SET ${LIMIT} = 20`)
    return { client: db, done: () => db.exec(`RESET ${LIMIT}`) }
  }
  await db.exec(`ALTER DATABASE ${db.databaseName} SET ${LIMIT} = 20`)
  const client = await createQuantDb({ url: db.url!, logger: {}, pool: { max: 1 } })
  return {
    client,
    done: async () => {
      await client.close()
      await db.exec(`ALTER DATABASE ${db.databaseName} RESET ${LIMIT}`)
    },
  }
}

forEachTarget('ohlcv writes on TimescaleDB', (target, db) => {
  it('writes all-new bars straight by COPY, and leaves nothing behind when a key turns out stored', async () => {
    const fresh = syntheticMarket({ seed: 21, tickers: 3, days: 5, regions: ['KR'], start: '2016-02-01' }).bars
    const runner = (db().ohlcv as unknown as { ctx: RepoContext }).ctx.runner
    expect(await nothingStoredIn(runner, spanOf(fresh))).toBe(true)
    expect(await db().ohlcv.upsert(fresh)).toMatchObject({ inserted: fresh.length, updated: 0 })
    expect(await nothingStoredIn(runner, spanOf(fresh))).toBe(false)
    // A writer that stored one of the keys first: the COPY is refused, its savepoint rolled back, and
    // the transaction goes on (here: one more statement in it succeeds).
    const again = syntheticMarket({ seed: 21, tickers: 3, days: 6, regions: ['KR'], start: '2016-02-01' }).bars
    const copied = await runner.transaction(async (tx) => {
      const ok = await copyStraight(tx, [{ shape: { adjusted: true, indicators: false }, batch: again }], () => {})
      await tx.query('SELECT 1')
      return ok
    })
    expect(copied).toBe(false)
    const [n] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ohlcv_data WHERE date >= '2016-02-01' AND date < '2016-03-01'`)
    expect(n!.n).toBe(fresh.length)
    // Through upsert, the same bars merge: the 6th day is new, the rest unchanged.
    expect(await db().ohlcv.upsert(again)).toMatchObject({ inserted: 3, updated: 0, unchanged: fresh.length })
  })

  it('a statement sent while an upsert COPYs straight into the table waits for it, even with one connection', async () => {
    // postgres.js pipelines a query onto a busy connection when all are busy: one landing mid-COPY
    // would break it. The COPY has a connection of its own; the query runs once it is done.
    const client = target.remote ? await createQuantDb({ url: db().url!, logger: {}, pool: { max: 1 } }) : db()
    try {
      const many = syntheticMarket({ seed: 41, tickers: 20, days: 250, regions: ['KR'], start: '2012-01-02' }).bars
      let during: Promise<unknown> | undefined
      const result = await client.ohlcv.upsert(many, {
        batchSize: 1_000,
        onProgress: () => { during ??= client.query(`SELECT count(*)::int AS n FROM ohlcv_data WHERE date >= '2012-01-01' AND date < '2013-06-01'`) },
      })
      expect(result).toMatchObject({ inserted: many.length, updated: 0, unchanged: 0 })
      expect(await during).toEqual([{ n: many.length }])
    } finally {
      if (target.remote) await client.close()
    }
  })

  const notTimescale = !target.timescale

  it('two services sending the same new bars at once: each bar stored once, the second call counts them unchanged', async () => {
    const same = syntheticMarket({ seed: 31, tickers: 40, days: 3, regions: ['KR'], start: '2015-06-01' }).bars
    // On a server both may find nothing stored and COPY; the later one then meets the first's keys
    // (23505), and its call is merged again from the start. Embedded, the calls run one after the other.
    const results = await Promise.all([db().ohlcv.upsert(same), db().ohlcv.upsert(same)])
    expect(results.map((r) => r.inserted).sort()).toEqual([0, same.length])
    expect(results.map((r) => r.unchanged).sort()).toEqual([0, same.length])
    const [n] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ohlcv_data WHERE date >= '2015-06-01' AND date < '2015-07-01'`)
    expect(n!.n).toBe(same.length)
  })

  it.skipIf(notTimescale)(`${notTimescale ? '(skipped: plain PostgreSQL has no compression) ' : ''}upserts and recomputes across every compressed chunk, whatever the server's decompression limit`, async () => {
    await db().ohlcv.upsert(bars)
    expect(await db().ops.compress('ohlcv_data', { olderThan: '1 day' })).toBeGreaterThanOrEqual(5)
    const { client, done } = await limitedClient(target, db())
    try {
      // The limit is real: a plain UPDATE over the compressed chunks is refused, and says which setting.
      const refused = await client.exec(`UPDATE ohlcv_data SET volume = volume + 1 WHERE ticker = '${bars[0]!.ticker}'`)
        .then(() => null, (e: unknown) => e)
      expect(refused).toBeInstanceOf(QuantDbError)
      expect(refused).toMatchObject({ reason: 'configuration', code: '53400' })
      expect((refused as Error).message).toContain('max_tuples_decompressed_per_dml_transaction')

      // Every bar changed (close + 1, high follows) plus one new bar per ticker, in the five compressed chunks.
      const changed = bars.map((b) => ({ ...b, close: b.close + 1, high: Math.max(b.high, b.close + 1) }))
      const fresh = market.tickers.map((t) => ({ ...bars[0]!, ticker: t.ticker, region: t.region, date: '2021-01-02' }))
      const result = await client.ohlcv.upsert([...changed, ...fresh])
      expect(result).toMatchObject({ inserted: fresh.length, updated: bars.length, unchanged: 0 })
      const [sum] = await db().query<{ n: number; close: string }>(`SELECT count(*)::int AS n, sum(close)::text AS close FROM ohlcv_data WHERE date >= '2021-01-01'`)
      const expected = [...changed, ...fresh].reduce((s, b) => s + Math.round(b.close * 10_000), 0) / 10_000
      expect(sum!.n).toBe(bars.length + fresh.length)
      expect(Number(sum!.close)).toBeCloseTo(expected, 4)

      const recomputed = await client.ohlcv.recomputeIndicators({ region: market.tickers[0]!.region })
      expect(recomputed.updated).toBeGreaterThan(0)
    } finally {
      await done()
    }
  })

  it.skipIf(notTimescale)(`${notTimescale ? '(skipped: plain mode rebuilds the view on refresh) ' : ''}a backfill of history is in the daily summary without a refresh`, async () => {
    const old = syntheticMarket({ seed: 8, tickers: 3, days: 30, start: '2019-03-04' })
    await db().ohlcv.upsert(old.bars)
    const region = old.tickers[0]!.region
    const days = await db().ohlcv.dailySummary({ region, from: '2019-03-01', to: '2019-05-01' })
    const byDay = new Map<string, number>()
    for (const b of old.bars.filter((x) => x.region === region)) byDay.set(b.date, (byDay.get(b.date) ?? 0) + 1)
    expect(days.map((d) => [d.day, d.nTickers])).toEqual([...byDay.entries()].sort())
    // Indicators written by a recompute show in the summary's RSI average too.
    await db().ohlcv.recomputeIndicators({ region })
    const after = await db().ohlcv.dailySummary({ region, from: '2019-03-01', to: '2019-05-01' })
    expect(after.some((d) => d.avgRsi !== null)).toBe(true)
  })

  it.runIf(target.name === 'timescale')('keeps one pg_stat_statements entry per write statement, however many calls', async () => {
    await db().exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    // One connection, so that every call runs in the same session.
    const client = await createQuantDb({ url: db().url!, logger: {}, pool: { max: 1 } })
    try {
      const region = market.tickers[0]!.region
      const tickers = market.tickers.filter((t) => t.region === region).map((t) => t.ticker)
      await db().exec('SELECT pg_stat_statements_reset()')
      for (let i = 0; i < 6; i++) {
        // New closes each time, so that every recompute has indicators to write.
        await client.ohlcv.upsert(bars.map((b) => ({ ...b, high: b.high + 10 + i, close: b.close + 10 + i })))
        await client.ohlcv.recomputeIndicators({ region, tickers })
      }
      const rows = await db().query<{ query: string; calls: number }>(
        `SELECT query, calls::int AS calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND (query ILIKE '%qdb_ohlcv_stage%' OR query ILIKE '%qdb_indicator_stage%')`)
      const merges = rows.filter((r) => /INSERT INTO ohlcv_data/i.test(r.query))
      const updates = rows.filter((r) => /UPDATE ohlcv_data/i.test(r.query))
      expect(merges.map((r) => r.calls)).toEqual([6])
      expect(updates.length).toBe(1)
      // Every statement naming a staging table was run by every call: none is one-off.
      for (const r of rows) expect(r.calls, r.query).toBeGreaterThanOrEqual(6)
    } finally {
      await client.close()
    }
  })
})
