import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { tableColumns } from '../../src/internal/table-columns.js'
import * as schema from '../../src/schema/index.js'
import * as catalog from '../helpers/catalog.js'
import { forEachTarget, openTarget } from '../helpers/targets.js'

// The strongest schema test needs no hand-written expectations: the spec's own DDL (test/fixtures, with
// DESIGN.md's corrections marked) is applied to a scratch database, and its catalog must equal ours.
const specTables = readFileSync(new URL('../fixtures/spec-tables.sql', import.meta.url), 'utf8')
const specTimescale = readFileSync(new URL('../fixtures/spec-timescale.sql', import.meta.url), 'utf8')

forEachTarget('schema catalog matches the spec', (target, db) => {
  let spec: QuantDb
  beforeAll(async () => {
    spec = target.name === 'embedded'
      ? await createQuantDb({ logger: {} })
      : await openTarget(target, { migrate: false })
    await spec.exec(specTables)
    if (target.timescale) await spec.exec(specTimescale)
  })
  afterAll(() => spec?.close())

  it('has every column of the spec with its type, precision, nullability and default', async () => {
    const ours = await catalog.columns(db())
    expect(ours).toHaveLength(153)
    expect(ours).toEqual(await catalog.columns(spec))
  })

  it('gives the hot paths\' staging tables the types of the catalog (column lists derived from src/schema)', async () => {
    // The writers' temp tables (ohlcv_data's staging, the indicator writer's) are declared with the
    // derived DDL: declared here for every table, each column must get exactly the catalog's type.
    const typesOf = (tx: Pick<QuantDb, 'query'>, table: string) => tx.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [table])
    for (const table of [schema.ohlcvData, schema.factorScores, schema.tickers, schema.portfolioSnapshots]) {
      const derived = tableColumns(table)
      await db().transaction(async (tx) => {
        await tx.query(`CREATE TEMP TABLE derived_stage (${derived.ddl(derived.names)}) ON COMMIT DROP`)
        expect(await typesOf(tx, 'derived_stage'), derived.table).toEqual(await typesOf(tx, `public.${derived.table}`))
      })
    }
  })

  it('has every index of sections 2 and 5.3 (GIN, DESC, partial) with the same definition', async () => {
    expect(await catalog.indexes(db())).toEqual(await catalog.indexes(spec))
  })

  it('has every primary key, unique, foreign key (5.1) and CHECK (5.2)', async () => {
    expect(await catalog.constraints(db())).toEqual(await catalog.constraints(spec))
  })

  it('has the table and column comments', async () => {
    expect(await catalog.comments(db())).toEqual(await catalog.comments(spec))
  })

  it.runIf(target.timescale)('has the same hypertables, chunk intervals, compression settings and policies', async () => {
    expect(await catalog.dimensions(db())).toEqual(await catalog.dimensions(spec))
    expect(await catalog.compression(db())).toEqual(await catalog.compression(spec))
    const jobs = await catalog.jobs(db())
    expect(jobs).toEqual(await catalog.jobs(spec))
    // 4 compression + 3 retention + 3 aggregate refresh policies
    expect(jobs).toHaveLength(10)
  })

  it('has the three aggregates and the rolling view, with the same columns in both modes', async () => {
    const ours = await catalog.aggregateColumns(db())
    if (target.timescale) expect(ours).toEqual(await catalog.aggregateColumns(spec))
    expect(ours.map((l) => l.split(' | ').slice(0, 2).join('.'))).toEqual([
      'factor_monthly_performance.avg_momentum', 'factor_monthly_performance.avg_pe',
      'factor_monthly_performance.avg_roe', 'factor_monthly_performance.avg_score',
      'factor_monthly_performance.avg_volatility', 'factor_monthly_performance.month',
      'factor_monthly_performance.n_stocks', 'factor_monthly_performance.region', 'factor_monthly_performance.signal',
      'ohlcv_daily_summary.avg_atr', 'ohlcv_daily_summary.avg_close', 'ohlcv_daily_summary.avg_rsi',
      'ohlcv_daily_summary.avg_volume', 'ohlcv_daily_summary.day', 'ohlcv_daily_summary.n_tickers',
      'ohlcv_daily_summary.region', 'ohlcv_daily_summary.total_volume',
      'portfolio_daily_metrics.cash', 'portfolio_daily_metrics.cumulative_return', 'portfolio_daily_metrics.daily_return',
      'portfolio_daily_metrics.day', 'portfolio_daily_metrics.invested_value', 'portfolio_daily_metrics.total_value',
      'portfolio_daily_metrics.unrealized_pnl',
      'portfolio_performance.cash', 'portfolio_performance.cumulative_return', 'portfolio_performance.daily_return',
      'portfolio_performance.day', 'portfolio_performance.invested_value', 'portfolio_performance.ma30_return',
      'portfolio_performance.ma30_value', 'portfolio_performance.total_value', 'portfolio_performance.unrealized_pnl',
      'portfolio_performance.volatility_60d',
    ])
  })

  it.runIf(!target.timescale)('keeps the time-series tables plain and the aggregates as materialized views', async () => {
    const kinds = await db().query<{ relname: string; relkind: string }>(
      `SELECT relname, relkind::text AS relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace
       AND relname IN ('ohlcv_data', 'ohlcv_daily_summary', 'factor_monthly_performance', 'portfolio_daily_metrics')
       ORDER BY relname`)
    expect(kinds).toEqual([
      { relname: 'factor_monthly_performance', relkind: 'm' },
      { relname: 'ohlcv_daily_summary', relkind: 'm' },
      { relname: 'ohlcv_data', relkind: 'r' },
      { relname: 'portfolio_daily_metrics', relkind: 'm' },
    ])
  })
})
