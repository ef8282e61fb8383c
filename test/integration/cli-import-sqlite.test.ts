import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import type { ImportReport } from '../../src/ops/import-sqlite/import.js'
import type { TestDb } from '../../src/testing/index.js'
import { forEachTarget, openTarget, type Target } from '../helpers/targets.js'
import { runCli, runCliUntil } from './cli-support.js'
import { LEGACY_TICKERS, writeLegacyFile, type LegacyBar } from './legacy-sqlite-file.js'

const dir = mkdtempSync(join(tmpdir(), 'quantdb-import-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const OHLCV_COLUMNS = `ticker, region, date::text AS date, timeframe, open::text AS open, high::text AS high, low::text AS low,
  close::text AS close, volume::text AS volume, adjusted_close::text AS adjusted_close, ma5::text AS ma5, ma20::text AS ma20,
  rsi::text AS rsi, macd::text AS macd, atr::text AS atr`
const TICKER_COLUMNS = `ticker, region, market, sector, industry, market_cap::text AS market_cap, listed_date::text AS listed_date,
  delisted_date::text AS delisted_date, is_active, metadata`

interface Place {
  /** CLI arguments naming the database. */
  args: string[]
  /** Runs `fn` on the database in this process (the embedded data directory is closed again after: one owner at a time). */
  use<T>(fn: (qdb: QuantDb) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** A database the CLI works on: a new data directory (embedded) or a new database on the target's server. */
async function newPlace(target: Target, name: string): Promise<Place> {
  if (target.name === 'embedded') {
    const dataDir = join(dir, name)
    return {
      args: ['--data-dir', dataDir],
      async use(fn) {
        const qdb = await createQuantDb({ dataDir, logger: {} })
        try { return await fn(qdb) } finally { await qdb.close() }
      },
      close: async () => {},
    }
  }
  const db: TestDb = await openTarget(target, { migrate: false })
  return { args: ['--url', db.url!], use: (fn) => fn(db), close: () => db.close() }
}

function rejectsOf(file: string): { table: string; rowid: number; reasons: string[] }[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { table: string; rowid: number; reasons: string[] })
}

forEachTarget('quant-db import-sqlite', (target) => {
  let place: Place
  let bars: LegacyBar[]
  const file = join(dir, `${target.name}-legacy.db`)

  beforeAll(async () => {
    bars = writeLegacyFile(file, { days: 30, backtests: 12 }).bars
    place = await newPlace(target, `${target.name}-small`)
    const migrated = await runCli(['migrate', ...place.args])
    expect(migrated.code, migrated.stderr).toBe(0)
  })
  afterAll(() => place?.close())

  it('dry-run validates and counts without writing; the import maps columns by name and sends bad rows to the rejects file', async () => {
    const dry = await runCli(['import-sqlite', file, '--dry-run', '--json', ...place.args])
    expect(dry.code, dry.stderr).toBe(0)
    const dryReport = JSON.parse(dry.stdout) as ImportReport
    expect(dryReport.dryRun).toBe(true)
    expect(dryReport.tables.find((t) => t.table === 'ohlcv_data')).toMatchObject({ legacyRows: 92, imported: 90, rejected: 2 })
    expect(await place.use((q) => q.query(`SELECT (SELECT count(*)::int FROM ohlcv_data) AS bars, (SELECT count(*)::int FROM tickers) AS tickers,
      to_regclass('quantdb_import.progress') IS NULL AS no_checkpoint`))).toEqual([{ bars: 0, tickers: 0, no_checkpoint: true }])

    // The real import, read as a user reads it: the spec 9.2 report as tables (not object dumps).
    const run = await runCli(['import-sqlite', file, ...place.args])
    expect(run.code, run.stderr).toBe(0)
    const row = (table: string) => run.stdout.split('\n').find((l) => l.startsWith(`${table} `))?.trim().split(/\s{2,}/).slice(1)
    expect(row('tickers')).toEqual(['imported', '3', '3', '0', '1975-06-11 .. 1996-12-26', '1975-06-11 .. 1996-12-26'])
    // Legacy dates as stored there (one row's date is unreadable), imported ones as written.
    expect(row('ohlcv_data')).toEqual(['imported', '92', '90', '2', '04/01/2023 .. 2023-02-10', '2023-01-02 .. 2023-02-10'])
    expect(row('factor_scores')?.slice(0, 4)).toEqual(['imported', '3', '2', '1'])
    expect(row('backtest_results')?.slice(0, 4)).toEqual(['imported', '12', '11', '1'])
    expect(run.stdout).toContain('tickers: legacy columns left out: id, source\n')
    expect(run.stdout).toContain('ohlcv_data: legacy columns left out: id, comment\n')
    expect(run.stdout).toContain(`4 row(s) rejected: see ${file}.rejects.jsonl\n`)
    expect(run.stdout).toContain('All checks passed.')
    expect(run.stdout).not.toMatch(/\[Object|\{ /)
    // Plain progress lines (stderr is not a terminal here), with the rate.
    expect(run.stderr).toMatch(/ohlcv_data: 100% 92\/92 rows, 2 rejected, [\d,]+ rows\/s/)

    const rejects = rejectsOf(`${file}.rejects.jsonl`)
    expect(rejects.map((r) => [r.table, r.rowid])).toEqual([['ohlcv_data', 12], ['ohlcv_data', 13], ['factor_scores', 3], ['backtest_results', 10]])
    expect(rejects[0]!.reasons).toContain('high: must be >= low')
    expect(rejects[1]!.reasons[0]).toMatch(/^date: expected a date 'YYYY-MM-DD', found text "04\/01\/2023"/)
    expect(rejects[2]!.reasons).toEqual(['ticker: (ticker, region) is not in tickers'])
    expect(rejects[3]!.reasons).toEqual(['endDate: must be after startDate'])
  })

  it("stores exactly what the repositories' own upsert stores for the same rows", async () => {
    const reference = await openTarget(target)
    try {
      await reference.tickers.upsert(LEGACY_TICKERS.map((t) => ({
        ticker: t.ticker, region: t.region, market: t.market, sector: t.sector, marketCap: t.market_cap, listedDate: t.listed,
        isActive: t.active === 1, ...(t.metadata === null ? {} : { metadata: JSON.parse(t.metadata) as Record<string, unknown> }),
      })))
      await reference.ohlcv.upsert(bars.map(({ adjusted_close, ma5, ...b }) => ({
        ...b, ...(adjusted_close === null ? {} : { adjustedClose: adjusted_close }), ...(ma5 === null ? {} : { ma5 }),
      })))
      const read = (q: QuantDb) => Promise.all([
        q.query(`SELECT ${OHLCV_COLUMNS} FROM ohlcv_data ORDER BY ticker, region, date`),
        q.query(`SELECT ${TICKER_COLUMNS} FROM tickers ORDER BY ticker, region`),
      ])
      const [expectedBars, expectedTickers] = await read(reference)
      const [bars_, tickers] = await place.use(read)
      expect(bars_).toHaveLength(90)
      expect(bars_).toEqual(expectedBars)
      expect(tickers).toEqual(expectedTickers)
    } finally {
      await reference.close()
    }
  })

  it('validate passes on the imported database, and fails naming the rows on a planted orphan and a missing day', async () => {
    const clean = await runCli(['validate', ...place.args])
    expect(clean.code, clean.stderr).toBe(0)
    expect(clean.stdout).toContain('All checks passed.')

    await place.use((q) => q.exec(`
      INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume) VALUES ('GHOST', 'KR', '2023-01-03', 10, 11, 9, 10, 1);
      DELETE FROM ohlcv_data WHERE ticker = '000660' AND date = '2023-01-10';`))
    const dirty = await runCli(['validate', ...place.args])
    expect(dirty.code).toBe(1)
    const failing = dirty.stdout.split('\n').filter((l) => /\sFAIL\s/.test(l)).map((l) => l.split(/\s{2,}/))
    expect(failing).toEqual([
      ['orphans (ticker not in tickers)', 'ohlcv_data', '1', 'FAIL', 'GHOST/KR 2023-01-03'],
      ['gaps in trading days (region calendar)', 'ohlcv_data', '1', 'FAIL', '000660/KR: 1 missing day(s) between 2023-01-02 and 2023-02-10'],
    ])
    expect(dirty.stdout).toContain('2 check(s) found rows.')
  })

  it('an import killed mid-run continues where it stopped when run again: no duplicates, no gaps', async () => {
    const big = join(dir, `${target.name}-big.db`)
    const days = 2000
    writeLegacyFile(big, { days, backtests: 400 })
    const fresh = await newPlace(target, `${target.name}-resume`)
    try {
      expect((await runCli(['migrate', ...fresh.args])).code).toBe(0)
      const args = ['import-sqlite', big, '--batch-size', '100', ...fresh.args]
      const midTable = (table: string) => (stderr: string) => {
        const m = new RegExp(`${table}: \\d+% ([\\d,]+)/([\\d,]+) rows`).exec(stderr)
        return m !== null && m[1] !== m[2]
      }
      // Killed during the bars, then during the backtests (which have no natural key: a replayed batch would duplicate).
      const first = await runCliUntil(args, midTable('ohlcv_data'))
      expect(first.killed).toBe(true)
      const afterFirst = await fresh.use((q) => q.query<{ n: number }>('SELECT count(*)::int AS n FROM ohlcv_data'))
      expect(afterFirst[0]!.n).toBeLessThan(3 * days)
      const second = await runCliUntil(args, midTable('backtest_results'))
      expect(second.killed).toBe(true)
      const [partial] = await fresh.use((q) => q.query<{ bars: number; runs: number }>(
        'SELECT (SELECT count(*)::int FROM ohlcv_data) AS bars, (SELECT count(*)::int FROM backtest_results) AS runs'))
      expect(partial!.bars).toBe(3 * days)
      // Whole batches only: every 100 legacy backtests hold 10 bad ones.
      expect(partial!.runs % 90).toBe(0)
      expect(partial!.runs).toBeLessThan(360)

      const last = await runCli([...args, '--json'])
      expect(last.code, last.stderr).toBe(0)
      const report = JSON.parse(last.stdout) as ImportReport
      expect(report.resumed).toBe(true)
      const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]))
      expect(byTable['ohlcv_data']).toMatchObject({ legacyRows: 3 * days + 2, imported: 3 * days, rejected: 2 })
      expect(byTable['backtest_results']).toMatchObject({ legacyRows: 400, imported: 360, rejected: 40 })
      expect(await fresh.use((q) => q.query(`SELECT (SELECT count(*)::int FROM ohlcv_data) AS bars,
          (SELECT count(*)::int FROM backtest_results) AS runs,
          (SELECT count(*)::int FROM (SELECT final_capital FROM backtest_results GROUP BY final_capital HAVING count(*) > 1) d) AS duplicated`)))
        .toEqual([{ bars: 3 * days, runs: 360, duplicated: 0 }])
      const rejects = rejectsOf(`${big}.rejects.jsonl`)
      expect(rejects).toHaveLength(2 + 1 + 40)
      expect(new Set(rejects.map((r) => `${r.table}/${r.rowid}`)).size).toBe(rejects.length)
    } finally {
      await fresh.close()
    }
  })
})
