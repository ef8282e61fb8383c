import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'

// Builds legacy SQLite files the way the old platform might have left them: the spec 9.1 columns in
// another order, an `id` first, an extra column, text dates, one bad row, and a second table.
const require = createRequire(import.meta.url)
interface LegacyDb {
  exec(sql: string): void
  prepare(sql: string): { run(values: unknown[]): void; finalize(): void }
  close(): void
}
const { Database } = require('node-sqlite3-wasm') as { Database: new (file: string) => LegacyDb }

export interface LegacyBar {
  ticker: string; region: string; date: string; open: number; high: number; low: number; close: number; volume: number
  adjusted_close: number | null; ma5: number | null
}

export const LEGACY_TICKERS = [
  { ticker: '005930', region: 'KR', market: 'KOSPI', sector: 'Tech', market_cap: 430_000_000_000_000, listed: '1975-06-11', active: 1, metadata: '{"exchange":"KOSPI"}' },
  { ticker: '000660', region: 'KR', market: 'KOSPI', sector: 'Tech', market_cap: 100_000_000_000_000, listed: '1996-12-26', active: 1, metadata: null },
  { ticker: 'AAPL', region: 'US', market: 'NASDAQ', sector: 'Tech', market_cap: 3_000_000_000_000, listed: '1980-12-12', active: 0, metadata: '{"exchange":"NASDAQ"}' },
] as const

/** Weekdays from `from`, `n` of them, as 'YYYY-MM-DD'. */
export function weekdays(from: string, n: number): string[] {
  const out: string[] = []
  const d = new Date(`${from}T00:00:00Z`)
  while (out.length < n) {
    const day = d.getUTCDay()
    if (day !== 0 && day !== 6) out.push(d.toISOString().slice(0, 10))
    d.setUTCDate(d.getUTCDate() + 1)
  }
  return out
}

/** Deterministic bars for every legacy ticker on `days` weekdays (prices on a 4-decimal grid). */
export function legacyBars(days: number, start = '2023-01-02'): LegacyBar[] {
  const bars: LegacyBar[] = []
  const dates = weekdays(start, days)
  LEGACY_TICKERS.forEach((t, k) => {
    dates.forEach((date, i) => {
      const base = 100 + k * 50 + ((i * 37) % 23) * 0.25
      bars.push({
        ticker: t.ticker, region: t.region, date, open: base, high: base + 2.5, low: base - 1.75, close: base + 0.5,
        volume: 1000 + i * 7 + k, adjusted_close: i % 5 === 0 ? null : base + 0.25, ma5: i >= 4 ? base + 0.125 : null,
      })
    })
  })
  return bars
}

export interface LegacyFileOptions {
  days?: number
  /** Add the bad bar (high below low) and a bar with an unparseable date. */
  badRows?: boolean
  /** Add a factor_scores table (the second data table) with one orphan row. */
  factors?: boolean
  /** Add a backtest_results table with this many results (no natural key: a duplicate would show). */
  backtests?: number
  /** Add portfolio, trades and portfolio_snapshots tables (see writeLegacyPortfolio). */
  portfolio?: boolean
}

/** The n-th legacy backtest: deterministic values (every 10th has a start after its end: rejected). */
export function legacyBacktest(i: number) {
  return {
    strategy_name: `momentum_${i % 7}`, region: i % 2 ? 'US' : 'KR', simulation_date: `2023-03-${String(1 + (i % 28)).padStart(2, '0')} 12:00:${String(i % 60).padStart(2, '0')}`,
    start_date: i % 10 === 9 ? '2022-12-31' : '2020-01-01', end_date: i % 10 === 9 ? '2020-01-01' : '2022-12-31',
    initial_capital: 100_000_000, final_capital: 100_000_000 + i * 1000, total_return: i / 100_000,
    strategy_params: JSON.stringify({ lookback: 20 + i }),
  }
}

/**
 * Writes the legacy file; returns the bars it holds (good ones only) so a test can upsert the same
 * rows through the repository and compare.
 */
export function writeLegacyFile(file: string, options: LegacyFileOptions = {}): { bars: LegacyBar[] } {
  const { days = 30, badRows = true, factors = true, backtests = 0, portfolio = false } = options
  for (const f of [file, `${file}.lock`, `${file}.rejects.jsonl`]) rmSync(f, { recursive: true, force: true })
  const db = new Database(file)
  db.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF')
  // Columns in another order than the spec's INSERT list, an id first, an extra `source` column.
  db.exec(`CREATE TABLE tickers (id INTEGER PRIMARY KEY, region TEXT, ticker TEXT, sector TEXT, market TEXT,
    is_active INTEGER, listed_date TEXT, market_cap INTEGER, metadata TEXT, source TEXT)`)
  const t = db.prepare('INSERT INTO tickers (region, ticker, sector, market, is_active, listed_date, market_cap, metadata, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  for (const x of LEGACY_TICKERS) t.run([x.region, x.ticker, x.sector, x.market, x.active, x.listed, x.market_cap, x.metadata, 'krx-feed'])
  t.finalize()

  db.exec(`CREATE TABLE ohlcv_data (id INTEGER PRIMARY KEY AUTOINCREMENT, date TEXT, close REAL, volume INTEGER,
    ticker TEXT, high REAL, low REAL, open REAL, region TEXT, ma5 REAL, adjusted_close REAL, comment TEXT)`)
  const bars = legacyBars(days)
  const b = db.prepare('INSERT INTO ohlcv_data (date, close, volume, ticker, high, low, open, region, ma5, adjusted_close, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  db.exec('BEGIN')
  bars.forEach((x, i) => {
    // Text dates with a time part on some rows (pandas' to_sql writes 'YYYY-MM-DD HH:MM:SS').
    const date = i % 3 === 0 ? `${x.date} 00:00:00` : x.date
    b.run([date, x.close, x.volume, x.ticker, x.high, x.low, x.open, x.region, x.ma5, x.adjusted_close, 'legacy'])
    if (badRows && i === 10) {
      b.run(['2023-01-04', 10, 5, 'BAD1', 9, 11, 10, 'KR', null, null, 'high below low'])
      b.run(['04/01/2023', 10, 5, 'BAD2', 11, 9, 10, 'KR', null, null, 'not a date'])
    }
  })
  db.exec('COMMIT')
  b.finalize()

  if (factors) {
    db.exec(`CREATE TABLE factor_scores (id INTEGER PRIMARY KEY, calculation_date TEXT, ticker TEXT, region TEXT,
      signal TEXT, layer1_total REAL, layer2_total REAL, layer3_total REAL, total_score REAL, notes TEXT)`)
    const f = db.prepare('INSERT INTO factor_scores (calculation_date, ticker, region, signal, layer1_total, layer2_total, layer3_total, total_score, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    f.run(['2023-01-31', '005930', 'KR', 'BUY', 21.5, 37, 23, 81.5, 'x'])
    f.run(['2023-01-31', 'AAPL', 'US', 'WATCH', 15, 30, 10, 55, null])
    f.run(['2023-01-31', 'NOPE', 'KR', 'BUY', 1, 1, 1, 3, 'orphan'])
    f.finalize()
  }
  if (backtests > 0) {
    db.exec(`CREATE TABLE backtest_results (backtest_id INTEGER PRIMARY KEY, end_date TEXT, start_date TEXT, region TEXT,
      strategy_name TEXT, initial_capital REAL, final_capital REAL, total_return REAL, simulation_date TEXT, strategy_params TEXT)`)
    const r = db.prepare(`INSERT INTO backtest_results (end_date, start_date, region, strategy_name, initial_capital,
      final_capital, total_return, simulation_date, strategy_params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    db.exec('BEGIN')
    for (let i = 0; i < backtests; i++) {
      const x = legacyBacktest(i)
      r.run([x.end_date, x.start_date, x.region, x.strategy_name, x.initial_capital, x.final_capital, x.total_return, x.simulation_date, x.strategy_params])
    }
    db.exec('COMMIT')
    r.finalize()
  }
  if (portfolio) writeLegacyPortfolio(db)
  db.close()
  return { bars }
}

/**
 * The legacy portfolio tables: columns in another order, an `id` first, one bad row each (rowid 3 of
 * portfolio: quantity 0; rowid 6 of trades: type HOLD; rowid 3 of portfolio_snapshots: total_value
 * beyond NUMERIC(18, 2)). 005930 and AAPL positions equal their trades' net quantity; 000660 has a
 * trade but no (valid) position.
 */
function writeLegacyPortfolio(db: LegacyDb): void {
  db.exec(`CREATE TABLE portfolio (id INTEGER PRIMARY KEY, notes TEXT, entry_date TEXT, avg_buy_price REAL, region TEXT,
    quantity INTEGER, ticker TEXT, stop_loss_price REAL, current_price REAL)`)
  const p = db.prepare('INSERT INTO portfolio (notes, entry_date, avg_buy_price, region, quantity, ticker, stop_loss_price, current_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
  p.run(['core', '2023-01-05', 70123.4567, 'KR', 15, '005930', 65000, 71000])
  p.run([null, '2023-01-09', 150.25, 'US', 7, 'AAPL', null, null])
  p.run(['closed', '2023-01-10', 120000, 'KR', 0, '000660', null, null])
  p.finalize()

  db.exec(`CREATE TABLE trades (id INTEGER PRIMARY KEY, price REAL, trade_type TEXT, ticker TEXT, quantity INTEGER,
    trade_date TEXT, region TEXT, total_amount REAL, realized_pnl REAL, commission REAL, execution_timestamp TEXT, strategy_name TEXT)`)
  const t = db.prepare(`INSERT INTO trades (price, trade_type, ticker, quantity, trade_date, region, total_amount, realized_pnl,
    commission, execution_timestamp, strategy_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  t.run([70000, 'BUY', '005930', 10, '2023-01-05', 'KR', 700000, null, 105, '2023-01-05 01:30:00', 'momentum'])
  t.run([70370.37, 'BUY', '005930', 5, '2023-01-06', 'KR', 351851.85, null, 52.78, '2023-01-06 01:31:00', 'momentum'])
  t.run([150.25, 'BUY', 'AAPL', 10, '2023-01-09', 'US', 1502.5, null, 1, '2023-01-09 15:00:00', null])
  t.run([155.5, 'SELL', 'AAPL', 3, '2023-01-12', 'US', 466.5, 15.75, 1, '2023-01-12 15:00:00', null])
  t.run([120000, 'BUY', '000660', 4, '2023-01-10', 'KR', 480000, null, 72, null, null])
  t.run([121000, 'HOLD', '000660', 4, '2023-01-11', 'KR', 484000, null, 0, null, null])
  t.finalize()

  db.exec(`CREATE TABLE portfolio_snapshots (id INTEGER PRIMARY KEY, cash REAL, snapshot_date TEXT, total_value REAL,
    invested_value REAL, daily_return REAL, positions TEXT, region_exposures TEXT)`)
  const s = db.prepare(`INSERT INTO portfolio_snapshots (cash, snapshot_date, total_value, invested_value, daily_return, positions,
    region_exposures) VALUES (?, ?, ?, ?, ?, ?, ?)`)
  s.run([1_000_000, '2023-01-05', 1_700_000, 700_000, null, '[{"ticker":"005930","quantity":10}]', '{"KR":1}'])
  s.run([648_148.15, '2023-01-06', 1_704_000, 1_055_851.85, 0.002353, null, null])
  s.run([0, '2023-01-09', 1e16, 1e16, null, null, null])
  s.finalize()
}
