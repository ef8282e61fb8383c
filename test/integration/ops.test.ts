import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { QuantDbError } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

const latestSnapshot = (): string =>
  readdirSync(fileURLToPath(new URL('../../drizzle/meta/', import.meta.url))).filter((f) => f.endsWith('_snapshot.json')).sort().at(-1)!

forEachTarget('ops', (target, db) => {
  it('applies the log and backtest retention of spec 3.2 in maintenance()', async () => {
    await db().exec(`
      INSERT INTO api_logs (timestamp, api_endpoint, success) VALUES
        (now() - interval '2 years', '/old', true), (now() - interval '1 day', '/recent', true);
      INSERT INTO system_logs (timestamp, log_level, message) VALUES
        (now() - interval '400 days', 'INFO', 'old'), (now(), 'INFO', 'new');
      INSERT INTO backtest_results (strategy_name, region, simulation_date, start_date, end_date) VALUES
        ('s', 'KR', now() - interval '6 years', '2015-01-01', '2016-01-01'), ('s', 'KR', now(), '2023-01-01', '2024-01-01');`)
    const report = await db().ops.maintenance()
    expect(report.mode).toBe(target.timescale ? 'timescale' : 'plain')
    if (target.timescale) expect(report.jobsRun).toBe(10)
    else expect(report.deleted).toEqual({ backtest_results: 1, api_logs: 1, system_logs: 1 })
    expect(await db().query(`SELECT api_endpoint FROM api_logs`)).toEqual([{ api_endpoint: '/recent' }])
    expect(await db().query(`SELECT message FROM system_logs`)).toEqual([{ message: 'new' }])
    expect(await db().query(`SELECT count(*)::int AS n FROM backtest_results`)).toEqual([{ n: 1 }])
    // Embedded, no autovacuum runs: maintenance() gives the planner its statistics.
    expect(report.analyzed).toBe(target.name === 'embedded')
    if (target.name === 'embedded') {
      const [stats] = await db().query<{ analyzed: boolean }>(
        `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'api_logs'`)
      expect(stats?.analyzed).toBe(true)
    }
  })

  it('lists the policies (TimescaleDB) or none (plain)', async () => {
    const jobs = await db().ops.jobs()
    if (!target.timescale) return expect(jobs).toEqual([])
    const summary = jobs.map((j) => `${j.procName}:${j.target}`).sort()
    expect(summary).toEqual([
      'policy_compression:backtest_results', 'policy_compression:factor_scores', 'policy_compression:ohlcv_data',
      'policy_compression:portfolio_snapshots',
      'policy_refresh_continuous_aggregate:factor_monthly_performance',
      'policy_refresh_continuous_aggregate:ohlcv_daily_summary',
      'policy_refresh_continuous_aggregate:portfolio_daily_metrics',
      'policy_retention:api_logs', 'policy_retention:backtest_results', 'policy_retention:system_logs',
    ])
  })

  it('compresses old chunks and reports the ratio (TimescaleDB), or says it cannot (plain)', async () => {
    await db().exec(`INSERT INTO tickers (ticker, region) SELECT 'C' || g, 'US' FROM generate_series(1, 20) g`)
    await db().exec(`INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
      SELECT 'C' || (g % 20 + 1), 'US', date '2023-01-02' + (g / 20), 100 + g % 7, 110 + g % 7, 90 + g % 7, 100 + g % 5, 1000 + g
      FROM generate_series(0, 3999) g`)
    if (!target.timescale) {
      const e = await db().ops.compress('ohlcv_data').then(() => null, (x: unknown) => x)
      expect(e).toBeInstanceOf(QuantDbError)
      expect((e as QuantDbError).reason).toBe('unsupported')
      return
    }
    const compressed = await db().ops.compress('ohlcv_data')
    expect(compressed).toBeGreaterThan(5)
    const stats = (await db().ops.compressionStats()).find((s) => s.hypertable === 'ohlcv_data')
    expect(stats?.compressedChunks).toBe(compressed)
    expect(stats?.ratio).toBeGreaterThan(1)
    // compressed data stays readable, transparently
    expect(await db().query(`SELECT count(*)::int AS n FROM ohlcv_data WHERE region = 'US'`)).toEqual([{ n: 4000 }])
    expect(await db().ops.decompress('ohlcv_data', { newerThan: '100 years' })).toBe(compressed)
  })

  it('reports every index of the schema, flags the constraint ones, and counts scans (server)', async () => {
    // The indexes and constraints drizzle/ declares (the latest snapshot), independent of the query under test.
    const snapshot = JSON.parse(readFileSync(fileURLToPath(new URL(`../../drizzle/meta/${latestSnapshot()}`, import.meta.url)), 'utf8')) as {
      tables: Record<string, { indexes: Record<string, unknown>; compositePrimaryKeys: Record<string, unknown>; uniqueConstraints: Record<string, unknown> }>
    }
    const declared = Object.values(snapshot.tables).flatMap((t) => Object.keys(t.indexes))
    const constraints = [...Object.values(snapshot.tables).flatMap((t) => [...Object.keys(t.compositePrimaryKeys), ...Object.keys(t.uniqueConstraints)]), 'trades_pkey', 'portfolio_pkey']
    const usage = await db().ops.indexUsage()
    const byName = new Map(usage.map((u) => [u.index, u]))
    for (const name of declared) expect(byName.get(name), name).toMatchObject({ constraint: false, sizeBytes: expect.any(Number) })
    for (const name of constraints) expect(byName.get(name)?.constraint, name).toBe(true)
    expect(byName.get('idx_tickers_metadata')).toMatchObject({ table: 'tickers' })
    expect(byName.get('idx_trades_date')).toMatchObject({ table: 'trades' })
    for (const u of usage) expect(u.sizeBytes, u.index).toBeGreaterThan(0)
    // Sorted by scans, most used first.
    expect(usage.map((u) => u.scans)).toEqual([...usage.map((u) => u.scans)].sort((a, b) => b - a))

    // Three primary-key lookups are counted (PGlite does not publish the statistics counters).
    await db().exec(`INSERT INTO tickers (ticker, region) SELECT 'IU' || g, 'KR' FROM generate_series(1, 50) g; ANALYZE tickers`)
    const before = byName.get('tickers_pkey')!.scans
    await db().transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off')
      for (const t of ['IU1', 'IU2', 'IU3']) expect(await tx.query(`SELECT ticker FROM tickers WHERE ticker = $1 AND region = 'KR'`, [t])).toHaveLength(1)
      await tx.query('SELECT pg_stat_force_next_flush()') // published when the backend goes idle, after the commit
    })
    const after = (await db().ops.indexUsage()).find((u) => u.index === 'tickers_pkey')!
    if (target.name === 'embedded') expect(after.scans).toBeGreaterThanOrEqual(before)
    else expect(after.scans).toBeGreaterThanOrEqual(before + 3)
  })

  it('reports table sizes that grow with the data, and row estimates that match after ANALYZE', async () => {
    const size = async (table: string) => (await db().ops.tableSizes()).find((s) => s.table === table)!
    expect((await db().ops.tableSizes()).map((s) => s.table)).toEqual(expect.arrayContaining(
      ['api_logs', 'backtest_results', 'factor_scores', 'ohlcv_data', 'portfolio', 'portfolio_snapshots', 'system_logs', 'tickers', 'trades']))
    const before = await size('tickers')
    await db().exec(`INSERT INTO tickers (ticker, region, sector, metadata)
      SELECT 'TS' || g, 'US', 'Sector ' || (g % 11), jsonb_build_object('n', g, 'pad', repeat('x', 200)) FROM generate_series(1, 2000) g;
      ANALYZE tickers`)
    const [{ n }] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM tickers`) as [{ n: number }]
    const after = await size('tickers')
    // 2,000 rows of ~250 bytes: at least 500 kB more (heap alone), whatever the page fill.
    expect(after.bytes - before.bytes).toBeGreaterThan(500_000)
    expect(after.rowsEstimate).toBe(n)
    // A hypertable (TimescaleDB) or plain table alike: ohlcv_data's estimate after ANALYZE.
    const bars = Array.from({ length: 600 }, (_, i) => ({
      ticker: `TS${1 + (i % 3)}`, region: 'US', date: new Date(Date.UTC(2023, 0, 2 + Math.floor(i / 3))).toISOString().slice(0, 10),
      open: 10, high: 11, low: 9, close: 10.5, volume: 100,
    }))
    await db().ohlcv.upsert(bars)
    await db().exec('ANALYZE ohlcv_data')
    const [{ m }] = await db().query<{ m: number }>(`SELECT count(*)::int AS m FROM ohlcv_data`) as [{ m: number }]
    const ohlcv = await size('ohlcv_data')
    expect(ohlcv.rowsEstimate).toBe(m)
    expect(ohlcv.bytes).toBeGreaterThan(600 * 50)
  })
})
