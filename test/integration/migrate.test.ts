import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { describe, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { forEachTarget, openTarget, skipReason, TARGETS } from '../helpers/targets.js'

const objectCount = `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`

// What the drizzle/ folder holds, whatever the number of migrations: their tags, hashes and timestamps.
const FOLDER = fileURLToPath(new URL('../../drizzle/', import.meta.url))
const TAGS = (JSON.parse(readFileSync(`${FOLDER}meta/_journal.json`, 'utf8')) as { entries: { tag: string }[] }).entries.map((e) => e.tag)
const MIGRATIONS = readMigrationFiles({ migrationsFolder: FOLDER }).map((m) => ({ hash: m.hash, createdAt: m.folderMillis }))

/** drizzle's bookkeeping table, in the order the migrations were applied. */
async function history(qdb: Pick<QuantDb, 'query'>) {
  const rows = await qdb.query<{ hash: string; created_at: string | number }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id')
  return rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }))
}

forEachTarget('migrate', (target, db) => {
  it('has applied every migration of the folder, each recorded once, in order', async () => {
    expect(TAGS.length).toBeGreaterThan(0)
    expect(MIGRATIONS).toHaveLength(TAGS.length)
    expect(await history(db())).toEqual(MIGRATIONS)
  })

  it('is a no-op the second time: nothing applied, no object added, nothing recorded twice', async () => {
    const before = await db().query<{ n: number }>(objectCount)
    const again = await db().migrate()
    expect(again.applied).toEqual([])
    expect(await db().query<{ n: number }>(objectCount)).toEqual(before)
    expect(await history(db())).toEqual(MIGRATIONS)
  })

  it('reports capabilities by what the database can do', () => {
    const caps = db().capabilities
    expect(caps.mode).toBe(target.name === 'embedded' ? 'embedded' : 'postgres')
    expect(caps.timescale).toBe(target.timescale)
    expect(caps.postgresVersion).toMatch(/^\d+\.\d+/)
    if (target.timescale) expect(caps.timescaleVersion).toMatch(/^2\.\d+/)
    else expect(caps.timescaleVersion).toBeNull()
  })

  it('sets the session time zone on the connection (default Asia/Seoul)', async () => {
    const rows = await db().query<{ tz: string }>('SELECT current_setting($1) AS tz', ['TimeZone'])
    expect(rows[0]?.tz).toBe('Asia/Seoul')
  })

  it('answers queries on the three aggregates and the rolling view', async () => {
    await db().exec(`
      INSERT INTO tickers (ticker, region, sector) VALUES ('AGG1', 'KR', 'Tech'), ('AGG2', 'KR', 'Tech');
      INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
        VALUES ('AGG1', 'KR', '2024-03-04', 10, 11, 9, 10.5, 100), ('AGG2', 'KR', '2024-03-04', 20, 21, 19, 20.5, 300);
      INSERT INTO factor_scores (ticker, region, calculation_date, layer1_total, layer2_total, layer3_total, total_score, signal)
        VALUES ('AGG1', 'KR', '2024-03-04', 20, 30, 20, 70, 'BUY'), ('AGG2', 'KR', '2024-03-05', 10, 20, 10, 40, 'BUY');
      INSERT INTO portfolio_snapshots (snapshot_date, total_value, cash, invested_value, daily_return)
        VALUES ('2024-03-04', 1000, 100, 900, 0.01), ('2024-03-05', 1010, 100, 910, 0.03);`)
    await db().ops.refreshAggregates()
    const daily = await db().query(`SELECT n_tickers::int AS n, avg_close::float8 AS avg_close, total_volume::float8 AS vol
      FROM ohlcv_daily_summary WHERE day = '2024-03-04' AND region = 'KR'`)
    expect(daily).toEqual([{ n: 2, avg_close: 15.5, vol: 400 }])
    const monthly = await db().query(`SELECT month::text AS month, n_stocks::int AS n, avg_score::float8 AS avg
      FROM factor_monthly_performance WHERE region = 'KR' AND signal = 'BUY'`)
    expect(monthly).toEqual([{ month: '2024-03-01', n: 2, avg: 55 }])
    const perf = await db().query(`SELECT day::text AS day, ma30_return::float8 AS ma30, volatility_60d::float8 AS vol
      FROM portfolio_performance ORDER BY day`)
    expect(perf[0]).toEqual({ day: '2024-03-04', ma30: 0.01, vol: null })
    expect(perf[1]?.['day']).toBe('2024-03-05')
    expect(perf[1]?.['ma30']).toBeCloseTo(0.02, 12)
    // sample standard deviation of 0.01 and 0.03
    expect(perf[1]?.['vol']).toBeCloseTo(Math.SQRT2 * 0.01, 12)
  })
})

for (const target of TARGETS.filter((t) => t.remote)) {
  const reason = skipReason(target)
  describe.skipIf(reason !== null)(`migrate, server only [${target.name}]${reason ? ` (skipped: ${reason})` : ''}`, () => {
    it('serializes concurrent migrate() calls from several services', async () => {
      const first = await openTarget(target, { migrate: false })
      const second = await createQuantDb({ url: first.url!, logger: {} })
      try {
        const results = await Promise.all([first.migrate(), second.migrate()])
        // One call applied all of them, in order; the other found nothing left to do.
        expect(results.map((r) => r.applied).sort((a, b) => a.length - b.length)).toEqual([[], TAGS])
        expect(await history(first)).toEqual(MIGRATIONS)
      } finally {
        await second.close()
        await first.close()
      }
    })
  })
}

describe('embedded on disk', () => {
  it('keeps its data when reopened from the same dataDir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quantdb-'))
    try {
      const first = await createQuantDb({ dataDir: dir, logger: {} })
      expect((await first.migrate()).applied).toEqual(TAGS)
      await first.exec(`INSERT INTO tickers (ticker, region, listed_date) VALUES ('DISK', 'US', '2021-06-01')`)
      await first.close()

      const reopened = await createQuantDb({ dataDir: dir, logger: {} })
      expect(reopened.capabilities.timescale).toBe(true)
      // TimescaleDB complete, not half-loaded (test/integration/embedded-reopen.test.ts goes further)
      expect(await reopened.query(`SELECT _timescaledb_functions.tsl_loaded() AS tsl`)).toEqual([{ tsl: true }])
      expect((await reopened.migrate()).applied).toEqual([])
      expect(await history(reopened)).toEqual(MIGRATIONS)
      expect(await reopened.query(`SELECT ticker, listed_date FROM tickers`)).toEqual([
        { ticker: 'DISK', listed_date: '2021-06-01' },
      ])
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
