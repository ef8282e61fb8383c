/**
 * OHLCV compression and the daily ingest (spec: 20:1 compression on OHLCV; ~50,000 new bars a day
 * across 10,000 tickers). TimescaleDB only: the embedded engine always has it; a server is measured
 * when it has TimescaleDB and skipped (with the reason) in plain mode, which has no compression.
 *
 * 1. Loads TICKERS x DAYS synthetic bars ending yesterday (most of them older than 90 days) with
 *    `qdb.ohlcv.upsert`, and by default fills the twelve indicator columns with
 *    `qdb.ohlcv.recomputeIndicators`, as a collector would (`--indicators false` leaves them NULL).
 * 2. Compresses with the library's ops: the `ohlcv_data` compression policy run now through
 *    `qdb.ops.runJobs` (`CALL run_job(id)`: chunks whose whole range is older than 90 days), then
 *    `qdb.ops.compress('ohlcv_data')` (compress_chunk on the same chunks: a no-op when the policy did it).
 * 3. Reports the ratio from `qdb.ops.compressionStats()` (hypertable_compression_stats).
 * 4. Daily ingest on that database: `qdb.ohlcv.upsert` of one day of DAILY_TICKERS bars, and of
 *    DAILY_DAYS days (default 5: 50,000 bars, the spec's daily volume), against raw COPY of the same
 *    rows through the bare engine (postgres.js COPY FROM STDIN; the PGlite instance's COPY FROM
 *    '/dev/blob' in 5,000-row statements) in the same run. Each run starts with those days deleted.
 *
 *   npx tsx bench/compression.ts [--tickers 500] [--days 750] [--indicators true] [--daily-tickers 10000]
 *     [--daily-days 5] [--reps 3] [--modes embedded,server]
 */
import postgres from 'postgres'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { barsToCsv, columnsOf } from '../src/repos/ohlcv/csv.js'
import { syntheticBars, syntheticTickers, tradingDays, type SyntheticBar } from '../src/synthetic/index.js'
import type { TestDb } from '../src/testing/index.js'
import { arg, contextOf, fmt, median, modesArg, openMode, weekdaysEndingYesterday } from './_shared.js'

const TICKERS = Number(arg('tickers', '500'))
const DAYS = Number(arg('days', '750'))
const INDICATORS = arg('indicators', 'true') !== 'false'
const DAILY_TICKERS = Number(arg('daily-tickers', '10000'))
const DAILY_DAYS = Number(arg('daily-days', '5'))
const REPS = Number(arg('reps', '3'))
const MODES = modesArg()
const SEED = 5
const REGIONS = ['KR', 'US']
// 10,000 tickers need more code space than two regions offer in every format; six regions share them.
const DAILY_REGIONS = ['KR', 'US', 'JP', 'CN', 'HK', 'VN']
const SHAPE = { adjusted: true, indicators: false }
const COPY_COLUMNS = columnsOf(SHAPE)

interface PgliteBare {
  query(text: string, params?: unknown[], options?: Record<string, unknown>): Promise<unknown>
  transaction<T>(fn: (tx: PgliteBare) => Promise<T>): Promise<T>
}

/** Raw COPY of `csvBatches` into ohlcv_data through the bare engine under `db`, one transaction. */
function rawCopy(db: TestDb): (csvBatches: readonly string[]) => Promise<void> {
  const copy = (target: string) => `COPY ohlcv_data (${COPY_COLUMNS.join(', ')}) FROM ${target} WITH (FORMAT csv)`
  if (db.url) {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} })
    const send = async (csvBatches: readonly string[]) => {
      await sql.begin(async (tx) => {
        await pipeline(Readable.from(csvBatches), await tx.unsafe(copy('STDIN')).writable())
      })
    }
    return Object.assign(send, { end: () => sql.end() })
  }
  const pg = (contextOf(db).runner as unknown as { client: PgliteBare }).client
  return (csvBatches) => pg.transaction(async (tx) => {
    for (const csv of csvBatches) await tx.query(copy(`'/dev/blob'`), [], { blob: new Blob([csv]) })
  })
}

async function benchMode(mode: string): Promise<void> {
  const db = await openMode(mode)
  if (!db) return
  let copier: ((csv: readonly string[]) => Promise<void>) & { end?: () => Promise<unknown> } | undefined
  try {
    if (!db.capabilities.timescale) {
      console.log(`\n${mode}: skipped (plain PostgreSQL ${db.capabilities.postgresVersion}: no TimescaleDB, so no compression; ` +
        'the daily-ingest figure is the "new bars" case of bench/ohlcv-ingest.ts there)')
      return
    }
    // 1. The history.
    const history = weekdaysEndingYesterday(DAYS)
    const options = { seed: SEED, tickers: TICKERS, regions: REGIONS, start: history[0]!, days: DAYS, gapProbability: 0.01 }
    let t0 = performance.now()
    await db.tickers.upsert(syntheticTickers(options))
    let bars = 0
    for (const batch of syntheticBars({ ...options, batchSize: 50_000 })) bars += (await db.ohlcv.upsert(batch)).inserted
    const loadSeconds = (performance.now() - t0) / 1000
    let indicatorSeconds = 0
    if (INDICATORS) {
      t0 = performance.now()
      for (const region of REGIONS) await db.ohlcv.recomputeIndicators({ region })
      indicatorSeconds = (performance.now() - t0) / 1000
    }
    const [old] = await db.query<{ n: number; chunks: number; total: number }>(
      `SELECT count(*) FILTER (WHERE date < current_date - 90)::int AS n, count(*)::int AS total,
              (SELECT count(*)::int FROM show_chunks('ohlcv_data', older_than => INTERVAL '90 days')) AS chunks
       FROM ohlcv_data`)
    console.log(`\n${mode} (TimescaleDB ${db.capabilities.timescaleVersion}): ${bars.toLocaleString()} bars ` +
      `(${TICKERS.toLocaleString()} tickers x ${DAYS} days, ${history[0]} to ${history[DAYS - 1]}) upserted in ${loadSeconds.toFixed(1)} s` +
      (INDICATORS ? `, indicators recomputed in ${indicatorSeconds.toFixed(1)} s` : ', indicator columns left NULL') +
      `; ${old!.n.toLocaleString()} bars older than 90 days, ${old!.chunks} chunks entirely so`)

    // 2. Compression through the library's ops.
    const compressedChunks = async () => (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'ohlcv_data' AND is_compressed`))[0]!.n
    const [sizeBefore] = await db.query<{ bytes: string }>(`SELECT hypertable_size('ohlcv_data')::text AS bytes`)
    t0 = performance.now()
    const jobs = await db.ops.runJobs({ procName: 'policy_compression', target: 'ohlcv_data' })
    const policySeconds = (performance.now() - t0) / 1000
    const byPolicy = await compressedChunks()
    t0 = performance.now()
    const seen = await db.ops.compress('ohlcv_data')
    const directSeconds = (performance.now() - t0) / 1000
    const afterDirect = await compressedChunks()
    const [sizeAfter] = await db.query<{ bytes: string }>(`SELECT hypertable_size('ohlcv_data')::text AS bytes`)

    // 3. The ratio, from hypertable_compression_stats (through the library, and its parts by hand).
    const stats = (await db.ops.compressionStats()).find((s) => s.hypertable === 'ohlcv_data')!
    const [parts] = await db.query<Record<string, string>>(`SELECT * FROM hypertable_compression_stats('ohlcv_data')`)
    const mb = (b: number | string | undefined) => `${(Number(b ?? 0) / 1024 / 1024).toFixed(1)} MB`
    console.log(`compression: the ohlcv_data policy (job ${jobs.map((j) => j.jobId).join(', ') || 'none'}) compressed ${byPolicy} chunk(s) in ` +
      `${policySeconds.toFixed(1)} s; ops.compress('ohlcv_data') then went over ${seen} chunk(s) older than 90 days in ${directSeconds.toFixed(1)} s ` +
      `(${afterDirect - byPolicy} more compressed)`)
    console.table([{
      chunks: `${stats.compressedChunks} of ${stats.totalChunks} compressed`,
      'before: table + index + toast': `${mb(parts!['before_compression_table_bytes'])} + ${mb(parts!['before_compression_index_bytes'])} + ${mb(parts!['before_compression_toast_bytes'])}`,
      'after: table + index + toast': `${mb(parts!['after_compression_table_bytes'])} + ${mb(parts!['after_compression_index_bytes'])} + ${mb(parts!['after_compression_toast_bytes'])}`,
      ratio: stats.ratio === null ? 'n/a' : `${stats.ratio.toFixed(1)} : 1`,
      spec: '20 : 1',
      'hypertable_size before / after': `${mb(sizeBefore!.bytes)} / ${mb(sizeAfter!.bytes)}`,
    }])

    // 4. The daily ingest, on the compressed database: days after the history.
    const dailyDays = tradingDays(weekdaysEndingYesterday(1)[0]!, DAILY_DAYS + 1).slice(1)
    const daily = (days: number): SyntheticBar[] => {
      const out: SyntheticBar[] = []
      for (const batch of syntheticBars({ seed: SEED, tickers: DAILY_TICKERS, regions: DAILY_REGIONS, start: dailyDays[0], days, batchSize: 50_000 })) {
        for (const b of batch) out.push(b)
      }
      return out
    }
    copier = rawCopy(db)
    const clear = () => db.query(`DELETE FROM ohlcv_data WHERE date >= $1`, [dailyDays[0]])
    const rows: { case: string; bars: number; library: number; copy: number }[] = []
    for (const days of [...new Set([1, DAILY_DAYS])]) {
      const dayBars = daily(days)
      const csv: string[] = []
      for (let i = 0; i < dayBars.length; i += 5_000) csv.push(barsToCsv(dayBars.slice(i, i + 5_000), SHAPE))
      const lib: number[] = []
      const raw: number[] = []
      await clear()
      await db.ohlcv.upsert(dayBars) // warm-up
      for (let r = 0; r < REPS; r++) {
        await clear()
        let t = performance.now()
        await db.ohlcv.upsert(dayBars)
        lib.push(performance.now() - t)
        await clear()
        t = performance.now()
        await copier(csv)
        raw.push(performance.now() - t)
      }
      await clear()
      rows.push({
        case: `${days} day(s) x ${DAILY_TICKERS.toLocaleString()} tickers: new bars`,
        bars: dayBars.length, library: median(lib), copy: median(raw),
      })
    }
    console.log(`\ndaily ingest — qdb.ohlcv.upsert vs raw COPY (${mode === 'server' ? 'postgres.js' : 'PGlite, 5,000-row statements'}), median of ${REPS}`)
    console.table(rows.map((r) => ({
      case: r.case, bars: r.bars.toLocaleString(), 'library ms': fmt(r.library), 'raw COPY ms': fmt(r.copy),
      'library / COPY': (r.library / r.copy).toFixed(2), 'library bars/s': Math.round(r.bars / (r.library / 1000)).toLocaleString(),
    })))
    if (process.env['BENCH_RESULTS']) {
      console.log(`RESULT ${JSON.stringify({
        bench: 'compression', mode,
        rows: [
          { case: `OHLCV compression ratio (${bars.toLocaleString()} bars, indicators ${INDICATORS ? 'filled' : 'NULL'}; spec 20:1)`, value: stats.ratio === null ? null : Number(stats.ratio.toFixed(1)) },
          ...rows.map((r) => ({ case: `daily ingest ${r.case}`, library: Number(fmt(r.library)), byHand: Number(fmt(r.copy)) })),
        ],
      })}`)
    }
  } finally {
    await copier?.end?.()
    await db.close()
  }
}

for (const mode of MODES) await benchMode(mode)
