import { expect, it } from 'vitest'
import { QuantDbError } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

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
    expect(await db().ops.decompress('ohlcv_data', '100 years')).toBe(compressed)
  })

  it('reports index usage with the corrected column names of spec 8.3', async () => {
    const usage = await db().ops.indexUsage()
    const names = usage.map((u) => u.index)
    expect(names).toContain('idx_tickers_metadata')
    expect(usage.find((u) => u.index === 'tickers_pkey')?.constraint).toBe(true)
  })

  it('reports table sizes', async () => {
    const sizes = await db().ops.tableSizes()
    expect(sizes.map((s) => s.table)).toEqual(expect.arrayContaining(['ohlcv_data', 'tickers', 'trades']))
    expect(sizes.find((s) => s.table === 'ohlcv_data')?.bytes).toBeGreaterThan(0)
  })
})
