/**
 * What one TimescaleDB server holds (docs/scaling.md): daily ingest of a 10,000-ticker day, bytes per
 * bar before and after compression, and read latencies as the history grows year by year; with
 * PgBouncer installed, the cost of a transaction pooler in front of the same reads.
 *
 *   npx tsx bench/scaling.ts [--url postgres://postgres@127.0.0.1:5433/postgres] [--tickers 200] [--years 3] [--reps 7]
 *
 * `--url` is an admin URL of a TimescaleDB server (default QUANTDB_TIMESCALE_URL, then 127.0.0.1:5433);
 * the bench works in a scratch database it drops. Skipped (with the reason) when the server does not answer
 * or has no TimescaleDB. Absolute times on a shared 2-core machine are noise of ±30%: orders of magnitude.
 */
import { createTestDb, type TestDb } from '../src/testing/index.js'
import { syntheticBars, syntheticTickers } from '../src/synthetic/index.js'
import { pgbouncerBinary, startPgBouncer } from '../test/helpers/pgbouncer.js'
import { arg, fmt, median, weekdaysEndingYesterday } from './_shared.js'

const URL_ = arg('url', process.env['QUANTDB_TIMESCALE_URL'] ?? 'postgres://postgres@127.0.0.1:5433/postgres')
const TICKERS = Number(arg('tickers', '200'))
const YEARS = Number(arg('years', '3'))
const REPS = Number(arg('reps', '7'))
const DAYS_PER_YEAR = 250

async function timed(reps: number, run: () => Promise<unknown>): Promise<number> {
  await run()
  const xs: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    await run()
    xs.push(performance.now() - t0)
  }
  return median(xs)
}

async function bytesPerBar(db: TestDb): Promise<{ bars: number; bytes: number; perBar: number }> {
  const [r] = await db.query<{ n: number; bytes: string }>(
    `SELECT (SELECT count(*)::int FROM ohlcv_data) AS n, hypertable_size('ohlcv_data')::text AS bytes`)
  return { bars: r!.n, bytes: Number(r!.bytes), perBar: Number(r!.bytes) / r!.n }
}

async function reads(db: TestDb, tickers: string[], from: string, to: string) {
  const panelTickers = tickers.slice(0, 50)
  return {
    'latest 250': await timed(REPS, () => db.ohlcv.recent({ ticker: tickers[7]!, region: 'KR', limit: 250 })),
    'range 1 year': await timed(REPS, () => db.ohlcv.range({ ticker: tickers[7]!, region: 'KR', from: to.slice(0, 4) + '-01-01', to })),
    'panel 50 x all': await timed(Math.max(3, REPS >> 1), () => db.ohlcv.panel({ tickers: panelTickers, region: 'KR', from, to, fields: ['close'] })),
  }
}

async function main(): Promise<void> {
  let db: TestDb
  try {
    db = await createTestDb({ mode: 'postgres', adminUrl: URL_ })
  } catch (error) {
    console.log(`scaling: skipped (${(error as Error).message})`)
    return
  }
  try {
    if (!db.capabilities.timescale) {
      console.log(`scaling: skipped (${new URL(URL_).host} has no TimescaleDB)`)
      return
    }
    console.log(`TimescaleDB ${db.capabilities.timescaleVersion} on PostgreSQL ${db.capabilities.postgresVersion} at ${new URL(URL_).host}`)

    // 1. A day of the spec's universe: 10,000 tickers, one upsert per day as a collector sends it.
    const week = weekdaysEndingYesterday(5)
    const wide = { seed: 1, tickers: 10_000, regions: ['US'], start: week[0]!, days: 5, gapProbability: 0 }
    await db.tickers.upsert(syntheticTickers(wide))
    const dayTimes: number[] = []
    for (const batch of syntheticBars({ ...wide, batchSize: 10_000 })) {
      const t0 = performance.now()
      await db.ohlcv.upsert(batch)
      dayTimes.push(performance.now() - t0)
    }
    const day = median(dayTimes)
    console.log(`\nDaily ingest: 10,000 bars per upsert (one day of 10,000 tickers): median ${fmt(day)} ms ` +
      `= ${Math.round(10_000 / (day / 1000)).toLocaleString()} bars/s; the spec's 50,000 bars a day take ~${(5 * day / 1000).toFixed(1)} s`)
    await db.exec(`DELETE FROM ohlcv_data WHERE region = 'US'; DELETE FROM tickers WHERE region = 'US'`)

    // 2. History growing year by year: reads after each year.
    const dates = weekdaysEndingYesterday(YEARS * DAYS_PER_YEAR)
    const options = { seed: 2, tickers: TICKERS, regions: ['KR'], start: dates[0]!, days: dates.length, gapProbability: 0 }
    const tickers = syntheticTickers(options)
    await db.tickers.upsert(tickers)
    const codes = tickers.map((t) => t.ticker)
    const rows: Record<string, string | number>[] = []
    let loaded = 0
    let year = 0
    let loadMs = 0
    for (const batch of syntheticBars({ ...options, batchSize: TICKERS * DAYS_PER_YEAR })) {
      const t0 = performance.now()
      loaded += (await db.ohlcv.upsert(batch)).inserted
      loadMs += performance.now() - t0
      year++
      await db.exec('ANALYZE ohlcv_data')
      const r = await reads(db, codes, dates[0]!, dates[year * DAYS_PER_YEAR - 1]!)
      const size = await bytesPerBar(db)
      rows.push({ history: `${year} y (${loaded.toLocaleString()} bars)`, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [`${k} ms`, fmt(v)])), 'bytes/bar': Math.round(size.perBar) })
    }
    console.log(`\nHistory of ${TICKERS} tickers loaded a year at a time (${Math.round(loaded / (loadMs / 1000)).toLocaleString()} bars/s in ${TICKERS * DAYS_PER_YEAR}-bar upserts)`)

    // 3. Indicators filled (as a collector leaves the rows), then the compression policy's work.
    await db.ohlcv.recomputeIndicators({ region: 'KR' })
    const before = await bytesPerBar(db)
    await db.ops.compress('ohlcv_data', { olderThan: '90 days' })
    await db.exec('ANALYZE ohlcv_data')
    const after = await bytesPerBar(db)
    const stats = (await db.ops.compressionStats()).find((s) => s.hypertable === 'ohlcv_data')!
    const r = await reads(db, codes, dates[0]!, dates.at(-1)!)
    rows.push({ history: `${YEARS} y, indicators, compressed`, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [`${k} ms`, fmt(v)])), 'bytes/bar': Math.round(after.perBar) })
    console.table(rows)
    console.log(`\nBytes per bar with indicators: ${Math.round(before.perBar)} uncompressed (table + indexes), ` +
      `${Math.round(after.perBar)} with chunks older than 90 days compressed; compressed chunks ${stats.compressedChunks}/${stats.totalChunks}, ` +
      `ratio ${stats.ratio?.toFixed(1)} : 1 on them`)

    // 4. A transaction pooler in front of the same reads.
    const found = pgbouncerBinary()
    if ('skip' in found) {
      console.log(`\nPgBouncer: skipped (${found.skip})`)
      return
    }
    const bouncer = await startPgBouncer(found.bin, URL_, Number(arg('bouncer-port', '5510')))
    const { createQuantDb } = await import('../src/client.js')
    const pooled = await createQuantDb({ url: bouncer.through(db.url!), prepare: false, logger: {} })
    const unprepared = await createQuantDb({ url: db.url!, prepare: false, logger: {} })
    try {
      const direct = await timed(REPS * 3, () => db.ohlcv.recent({ ticker: codes[7]!, region: 'KR', limit: 250 }))
      const noPrepare = await timed(REPS * 3, () => unprepared.ohlcv.recent({ ticker: codes[7]!, region: 'KR', limit: 250 }))
      const viaPooler = await timed(REPS * 3, () => pooled.ohlcv.recent({ ticker: codes[7]!, region: 'KR', limit: 250 }))
      console.log(`\nlatest 250 bars: direct ${fmt(direct)} ms, direct with prepare: false ${fmt(noPrepare)} ms, ` +
        `through PgBouncer (transaction mode, prepare: false) ${fmt(viaPooler)} ms`)
    } finally {
      await pooled.close()
      await unprepared.close()
      await bouncer.stop()
    }
  } finally {
    await db.close()
  }
}

await main()
