/**
 * The spec-capacity market of bench/spec-scale.ts, built once into two databases of a TimescaleDB
 * server and kept for later runs (`--reuse`):
 *
 * - `quantdb_bench_spec`: written by the library (backfill calls of 125,000 bars, indicators
 *   recomputed, factor scores, a portfolio, the compression policy run);
 * - `quantdb_bench_spec_hand`: the same bars by raw COPY (postgres.js, no validation, no merge),
 *   indicators left NULL, compressed the same way: the floor the backfill is measured against, and the
 *   "indicators NULL" side of the compression figures.
 */
import postgres from 'postgres'
import { createQuantDb, type QuantDb } from '../src/index.js'
import { syntheticBars, syntheticTickers, Random, type SyntheticBar } from '../src/synthetic/index.js'
import { factorRow } from './_factor-rows.js'

export const MAIN_DB = 'quantdb_bench_spec'
export const HAND_DB = 'quantdb_bench_spec_hand'

export interface BuildSpec {
  tickers: number
  days: number
  /** First trading day: the history ends about yesterday. */
  start: string
  seed: number
  factorDays: readonly string[]
  positions: number
}

export interface BuildFigures {
  backfillCalls: number
  backfillLibraryMs: number
  backfillCopyMs: number
  /** Per call, library / raw COPY. */
  backfillRatios: number[]
  recomputeFullMs: number
  compressMs: number
}

export const COLUMNS = ['ticker', 'region', 'date', 'timeframe', 'open', 'high', 'low', 'close', 'volume', 'adjusted_close'] as const

export interface HandBar { ticker: string; region: string; date: string; open: number; high: number; low: number; close: number; volume: number; adjustedClose: number }

export const csvOf = (bars: readonly HandBar[]): string =>
  bars.map((b) => `${b.ticker},${b.region},${b.date},daily,${b.open},${b.high},${b.low},${b.close},${b.volume},${b.adjustedClose}`).join('\n') + '\n'

/** Raw COPY of `bars` into `ohlcv_data` through a bare postgres.js client: the floor of every write. */
export async function rawCopy(sql: postgres.Sql, bars: readonly HandBar[]): Promise<void> {
  const writable = await sql.unsafe(`COPY ohlcv_data (${COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`).writable()
  await new Promise<void>((resolve, reject) => {
    writable.on('error', reject)
    writable.on('finish', () => resolve())
    writable.end(csvOf(bars))
  })
}

export const urlOf = (admin: string, name: string): string => {
  const u = new URL(admin)
  u.pathname = `/${name}`
  return u.toString()
}

/**
 * The first day of the newest finished build of this size, if any: `--reuse` takes its calendar, so a
 * build made before midnight is reused after it (its days end the day before it was built).
 */
export async function builtStart(admin: string, tickers: number, days: number): Promise<string | undefined> {
  const main = postgres(urlOf(admin, MAIN_DB), { max: 1, onnotice: () => {} })
  try {
    const rows = await main`SELECT start FROM bench_meta WHERE tickers = ${tickers} AND days = ${days} ORDER BY built_at DESC LIMIT 1`
      .catch(() => [])
    return rows[0]?.['start'] as string | undefined
  } finally {
    await main.end().catch(() => {})
  }
}

/** Whether a finished build of this size is there (`bench_meta` is written last). */
export async function builtFigures(admin: string, spec: BuildSpec): Promise<BuildFigures | undefined> {
  const sql = postgres(admin, { max: 1, onnotice: () => {} })
  try {
    const [exists] = await sql`SELECT count(*)::int AS n FROM pg_database WHERE datname IN (${MAIN_DB}, ${HAND_DB})`
    if (exists?.['n'] !== 2) return undefined
  } finally {
    await sql.end()
  }
  const main = postgres(urlOf(admin, MAIN_DB), { max: 1, onnotice: () => {} })
  try {
    const rows = await main`SELECT figures FROM bench_meta WHERE tickers = ${spec.tickers} AND days = ${spec.days} AND start = ${spec.start}`
      .catch(() => [])
    return rows[0]?.['figures'] as BuildFigures | undefined
  } finally {
    await main.end()
  }
}


/** Two fresh databases of `admin` (dropped first if there), migrated, with the same ticker universe: the library's and the raw COPY's. */
async function freshPair(admin: string, names: readonly [string, string], universe: { seed: number; tickers: number }) {
  const sql = postgres(admin, { max: 1, onnotice: () => {} })
  for (const name of names) {
    await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await sql.unsafe(`CREATE DATABASE ${name}`)
  }
  await sql.end()
  const lib = await createQuantDb({ url: urlOf(admin, names[0]), logger: {} })
  const handQdb = await createQuantDb({ url: urlOf(admin, names[1]), logger: {} })
  const hand = postgres(urlOf(admin, names[1]), { max: 1, onnotice: () => {} })
  const close = async () => {
    await hand.end()
    await handQdb.close()
    await lib.close()
  }
  try {
    await lib.migrate()
    await handQdb.migrate()
    const tickers = syntheticTickers({ seed: universe.seed, tickers: universe.tickers, regions: ['KR'] })
    await lib.tickers.upsert(tickers)
    await handQdb.tickers.upsert(tickers)
    return { lib, handQdb, hand, tickers, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Builds both databases from scratch (dropping what is there). Prints progress; returns the build's figures. */
export async function build(admin: string, spec: BuildSpec): Promise<BuildFigures> {
  const { lib, handQdb, hand, tickers, close } = await freshPair(admin, [MAIN_DB, HAND_DB], spec)
  const figures: BuildFigures = { backfillCalls: 0, backfillLibraryMs: 0, backfillCopyMs: 0, backfillRatios: [], recomputeFullMs: 0, compressMs: 0 }
  try {
    const t0 = performance.now()
    for (const batch of syntheticBars({ seed: spec.seed, tickers: spec.tickers, days: spec.days, regions: ['KR'], start: spec.start, batchSize: 125_000 })) {
      let t = performance.now()
      await lib.ohlcv.upsert(batch)
      const libMs = performance.now() - t
      t = performance.now()
      await rawCopy(hand, batch)
      const copyMs = performance.now() - t
      figures.backfillCalls++
      figures.backfillLibraryMs += libMs
      figures.backfillCopyMs += copyMs
      figures.backfillRatios.push(libMs / copyMs)
      process.stdout.write(`\r  backfill call ${figures.backfillCalls}: library ${libMs.toFixed(0)} ms, raw COPY ${copyMs.toFixed(0)} ms   `)
    }
    console.log(`\n  bars loaded in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
    await lib.exec('ANALYZE')
    await hand.unsafe('ANALYZE')

    let t = performance.now()
    const r = await lib.ohlcv.recomputeIndicators({ region: 'KR' })
    figures.recomputeFullMs = performance.now() - t
    console.log(`  recomputeIndicators, full history: ${r.updated.toLocaleString()} bars in ${(figures.recomputeFullMs / 1000).toFixed(0)} s`)

    const random = new Random(spec.seed, 7)
    const quality = tickers.map(() => random.normal(55, 8))
    for (const date of spec.factorDays) {
      await lib.factors.upsert(tickers.map((tk, i) => factorRow(random, tk.ticker, tk.region, date, quality[i]!, false)))
    }
    const last = spec.factorDays[spec.factorDays.length - 1]!
    for (const tk of tickers.slice(0, spec.positions)) {
      await lib.portfolio.applyTrade({ ticker: tk.ticker, region: tk.region, tradeDate: last, tradeType: 'BUY', quantity: 10, price: 1000, commission: 10 })
    }
    console.log(`  ${(spec.factorDays.length * tickers.length).toLocaleString()} factor scores, ${spec.positions} positions`)

    // The compression policy (older than 3 months, spec 3.1) on both, as the scheduler would run it.
    t = performance.now()
    await lib.ops.compress('ohlcv_data')
    figures.compressMs = performance.now() - t
    await handQdb.ops.compress('ohlcv_data')
    await lib.exec('ANALYZE')
    await hand.unsafe('ANALYZE')
    await lib.exec(`CREATE TABLE bench_meta (tickers int, days int, start text, figures jsonb, built_at timestamptz DEFAULT now())`)
    await lib.query(`INSERT INTO bench_meta (tickers, days, start, figures) VALUES ($1, $2, $3, $4::jsonb)`,
      [spec.tickers, spec.days, spec.start, JSON.stringify(figures)])
    return figures
  } finally {
    await close()
  }
}

export type { QuantDb }

/**
 * What compression really saves: the compressed chunks' rows copied into a fresh plain table with
 * the hypertable's indexes (no dead rows, no free space: the size the same data takes when loaded
 * once), against what the compressed chunks take now. TimescaleDB's own "before" is the chunks'
 * size when they were compressed, dead rows of earlier rewrites (a full recompute) included.
 */
export async function trueCompression(url: string): Promise<{ freshBytes: number; compressedBytes: number; reportedBefore: number; rows: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const [edge] = await sql`SELECT max(range_end)::text AS edge FROM timescaledb_information.chunks
      WHERE hypertable_name = 'ohlcv_data' AND is_compressed`
    await sql`DROP TABLE IF EXISTS bench_fresh`
    await sql.unsafe(`CREATE TABLE bench_fresh AS SELECT * FROM ohlcv_data WHERE date < $1::date`, [edge!['edge']])
    const indexes = await sql`SELECT indexdef FROM pg_indexes WHERE tablename = 'ohlcv_data' AND schemaname = 'public'`
    for (const [i, r] of indexes.entries()) {
      await sql.unsafe(String(r['indexdef']).replace(/INDEX \S+ ON public\.ohlcv_data/, `INDEX bench_fresh_${i} ON bench_fresh`))
    }
    const [f] = await sql`SELECT pg_total_relation_size('bench_fresh')::float8 AS bytes, (SELECT count(*) FROM bench_fresh)::int AS rows`
    const [c] = await sql`SELECT after_compression_total_bytes::float8 AS after, before_compression_total_bytes::float8 AS before
      FROM hypertable_compression_stats('ohlcv_data')`
    await sql`DROP TABLE bench_fresh`
    return { freshBytes: Number(f!['bytes']), compressedBytes: Number(c!['after']), reportedBefore: Number(c!['before']), rows: Number(f!['rows']) }
  } finally {
    await sql.end()
  }
}

/** The market a backfill writes: `calls` calls of 125,000 bars, from its first day on. */
export interface BackfillMarket { seed: number; tickers: number; days: number; start: string; calls: number }

/**
 * Backfill calls of the same market into two fresh databases of `admin` (dropped after): the library's
 * `ohlcv.upsert` into `names[0]`, a raw COPY into `names[1]`, alternating call by call. `around` lets a
 * caller time or trace more per call (`before` the pair, `after` it with both times).
 */
export async function backfillPair(admin: string, names: readonly [string, string], market: BackfillMarket, around: {
  before?: (batch: readonly SyntheticBar[]) => void
  after?: (call: number, libMs: number, copyMs: number) => void
} = {}): Promise<{ libMs: number[]; copyMs: number[] }> {
  const { lib: bLib, hand: bHand, close } = await freshPair(admin, names, market)
  const libMs: number[] = []
  const copyMs: number[] = []
  try {
    let k = 0
    const bars = { seed: market.seed, tickers: market.tickers, days: market.days, regions: ['KR'], start: market.start, batchSize: 125_000 }
    for (const batch of syntheticBars(bars)) {
      if (k++ >= market.calls) break
      around.before?.(batch)
      let t1 = performance.now()
      await bLib.ohlcv.upsert(batch)
      libMs.push(performance.now() - t1)
      t1 = performance.now()
      await rawCopy(bHand, batch)
      copyMs.push(performance.now() - t1)
      around.after?.(k, libMs.at(-1)!, copyMs.at(-1)!)
    }
    return { libMs, copyMs }
  } finally {
    await close()
    const scratch = postgres(admin, { max: 1, onnotice: () => {} })
    for (const n of names) await scratch.unsafe(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`)
    await scratch.end()
  }
}
