import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { printImportReport } from '../../src/cli/reports.js'
import type { TestDb } from '../../src/testing/index.js'
import { forEachTarget, openTarget } from '../helpers/targets.js'
import { writeLegacyFile } from './legacy-sqlite-file.js'

// The legacy portfolio tables are written as they are (values from the legacy file, not recomputed
// by applyTrade); see writeLegacyPortfolio for the rows and the one bad row of each table.
const dir = mkdtempSync(join(tmpdir(), 'quantdb-import-portfolio-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const counts = (db: TestDb) => db.query<{ positions: number; trades: number; snapshots: number }>(`SELECT
  (SELECT count(*)::int FROM portfolio) AS positions, (SELECT count(*)::int FROM trades) AS trades,
  (SELECT count(*)::int FROM portfolio_snapshots) AS snapshots`)

forEachTarget('import-sqlite: portfolio, trades and portfolio_snapshots', (target) => {
  let db: TestDb
  const file = join(dir, `${target.name}-portfolio.db`)
  beforeAll(async () => {
    writeLegacyFile(file, { days: 5, badRows: false, factors: false, portfolio: true })
    db = await openTarget(target)
  })
  afterAll(() => db?.close())

  it('a dry run counts the three tables and writes none of them', async () => {
    const report = await db.ops.importSqlite(file, { dryRun: true, rejectsFile: `${file}.dry.jsonl` })
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]))
    expect(byTable['portfolio']).toMatchObject({ status: 'imported', legacyRows: 3, imported: 2, rejected: 1 })
    expect(byTable['trades']).toMatchObject({ status: 'imported', legacyRows: 6, imported: 5, rejected: 1 })
    expect(byTable['portfolio_snapshots']).toMatchObject({ status: 'imported', legacyRows: 3, imported: 2, rejected: 1 })
    expect(report.reconciliation).toBeNull()
    expect(await counts(db)).toEqual([{ positions: 0, trades: 0, snapshots: 0 }])
  })

  it('imports the legacy rows as they are, rejects the bad ones with reasons, and reconciles positions with trades', async () => {
    const report = await db.ops.importSqlite(file)
    expect(report.tables.map((t) => t.table)).toEqual(
      ['tickers', 'ohlcv_data', 'portfolio', 'trades', 'portfolio_snapshots'])
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]))
    expect(byTable['portfolio']).toMatchObject({ legacyRows: 3, imported: 2, rejected: 1, ignoredColumns: ['id'] })
    expect(byTable['trades']).toMatchObject({ legacyRows: 6, imported: 5, rejected: 1, importedRange: { from: '2023-01-05', to: '2023-01-12' } })
    expect(byTable['portfolio_snapshots']).toMatchObject({ legacyRows: 3, imported: 2, rejected: 1 })
    expect(await counts(db)).toEqual([{ positions: 2, trades: 5, snapshots: 2 }])

    // Values as the legacy file holds them (not recomputed from the trades).
    expect(await db.query(`SELECT ticker, region, quantity, avg_buy_price::text AS avg, current_price::text AS cur,
        stop_loss_price::text AS stop, entry_date::text AS entry, notes FROM portfolio ORDER BY ticker`)).toEqual([
      { ticker: '005930', region: 'KR', quantity: 15, avg: '70123.4567', cur: '71000.0000', stop: '65000.0000', entry: '2023-01-05', notes: 'core' },
      { ticker: 'AAPL', region: 'US', quantity: 7, avg: '150.2500', cur: null, stop: null, entry: '2023-01-09', notes: null },
    ])
    expect(await db.query(`SELECT ticker, trade_type, quantity, price::text AS price, total_amount::text AS total,
        commission::text AS commission, realized_pnl::text AS pnl, strategy_name, execution_timestamp = $1::timestamptz AS at
        FROM trades WHERE trade_date IN ('2023-01-05', '2023-01-12') ORDER BY trade_date`, ['2023-01-05T01:30:00Z'])).toEqual([
      { ticker: '005930', trade_type: 'BUY', quantity: 10, price: '70000.0000', total: '700000.00', commission: '105.0000', pnl: null, strategy_name: 'momentum', at: true },
      { ticker: 'AAPL', trade_type: 'SELL', quantity: 3, price: '155.5000', total: '466.50', commission: '1.0000', pnl: '15.7500', strategy_name: null, at: false },
    ])
    expect(await db.query(`SELECT snapshot_date::text AS day, cash::text AS cash, total_value::text AS total,
        invested_value::text AS invested, daily_return::text AS r, positions, region_exposures FROM portfolio_snapshots ORDER BY 1`)).toEqual([
      { day: '2023-01-05', cash: '1000000.00', total: '1700000.00', invested: '700000.00', r: null,
        positions: [{ ticker: '005930', quantity: 10 }], region_exposures: { KR: 1 } },
      { day: '2023-01-06', cash: '648148.15', total: '1704000.00', invested: '1055851.85', r: '0.002353', positions: null, region_exposures: null },
    ])

    const rejects = readFileSync(`${file}.rejects.jsonl`, 'utf8').trim().split('\n')
      .map((l) => JSON.parse(l) as { table: string; rowid: number; reasons: string[] })
    expect(rejects.map((r) => [r.table, r.rowid])).toEqual([['portfolio', 3], ['trades', 6], ['portfolio_snapshots', 3]])
    expect(rejects[0]!.reasons).toEqual(['quantity: must be greater than 0'])
    expect(rejects[1]!.reasons).toEqual(["tradeType: must be 'BUY' or 'SELL'"])
    expect(rejects[2]!.reasons.map((r) => r.split(':')[0])).toEqual(['totalValue', 'investedValue'])

    // 15 = 10 + 5 and 7 = 10 - 3 match; 000660's position was rejected, so its BUY of 4 stands alone.
    expect(report.reconciliation).toEqual([
      { ticker: '000660', region: 'KR', positionQuantity: 0, tradesNetQuantity: 4, matches: false },
      { ticker: '005930', region: 'KR', positionQuantity: 15, tradesNetQuantity: 15, matches: true },
      { ticker: 'AAPL', region: 'US', positionQuantity: 7, tradesNetQuantity: 7, matches: true },
    ])
    expect(report.validation?.ok).toBe(true)
    // The CLI's report shows the per-table counts and only the positions that differ.
    const text = printImportReport(report)
    expect(text).toMatch(/^trades\s+imported\s+6\s+5\s+1\s/m)
    expect(text).toContain('Positions vs net quantity of trades: 1 differ (reported, not refused)\n')
    expect(text).toMatch(/^000660\s+KR\s+0\s+4\s*$/m)
    expect(text).not.toMatch(/^AAPL\s+US\s+7/m)
  })

  it('a second run adds nothing; a restart upserts positions and snapshots in place', async () => {
    const again = await db.ops.importSqlite(file)
    expect(again.resumed).toBe(true)
    expect(await counts(db)).toEqual([{ positions: 2, trades: 5, snapshots: 2 }])
    await db.exec(`UPDATE portfolio SET quantity = 1; UPDATE portfolio_snapshots SET cash = 0`)
    await db.ops.importSqlite(file, { restart: true })
    // Trades have no natural key: a restart appends them again (documented); the keyed tables do not grow.
    expect(await counts(db)).toEqual([{ positions: 2, trades: 10, snapshots: 2 }])
    expect(await db.query(`SELECT sum(quantity)::int AS q, (SELECT sum(cash)::text FROM portfolio_snapshots) AS cash FROM portfolio`))
      .toEqual([{ q: 22, cash: '1648148.15' }])
  })
})
