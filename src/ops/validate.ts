import type { RepoContext } from '../repos/context.js'

/** One integrity check: how many rows break it (0 passes), and a few examples. */
export interface IntegrityCheck {
  /** What is checked, e.g. `invalid prices`, `orphan tickers`, `gaps in trading days`. */
  check: string
  /** The table checked. */
  table: string
  /** Rows that break the check (0: it passes). */
  rows: number
  /** Up to 5 offending keys, e.g. `005930/KR 2024-03-04`. */
  examples: string[]
}

/** Row count and date range of one table (`qdb.ops.validate().tables`). */
export interface TableRange {
  /** The table, by its SQL name. */
  table: string
  /** Exact row count. */
  rows: number
  /** Oldest and newest date of the table's date column (null when empty or dateless). */
  from: string | null
  /** Newest date of the table's date column (null when empty or dateless). */
  to: string | null
  /** Distinct tickers (null for tables without a ticker). */
  tickers: number | null
}

/** The spec 9.2 validation, plus orphans, OHLC rules and gaps in trading days. */
export interface ValidationReport {
  /** True when every check found no rows. */
  ok: boolean
  /** Every check, with the rows that break it. */
  checks: IntegrityCheck[]
  /** Row counts and date ranges per table. */
  tables: TableRange[]
}

const TABLES: readonly { table: string; date: string | null; ticker: boolean }[] = [
  { table: 'tickers', date: 'listed_date', ticker: true },
  { table: 'ohlcv_data', date: 'date', ticker: true },
  { table: 'factor_scores', date: 'calculation_date', ticker: true },
  { table: 'backtest_results', date: 'start_date', ticker: false },
  { table: 'portfolio', date: 'entry_date', ticker: true },
  { table: 'trades', date: 'trade_date', ticker: true },
  { table: 'portfolio_snapshots', date: 'snapshot_date', ticker: false },
]

const ohlcvKey = `ticker || '/' || region || ' ' || date::text`
const orphan = (table: string, key: string) => ({
  check: 'orphans (ticker not in tickers)', table,
  where: `NOT EXISTS (SELECT 1 FROM tickers t WHERE t.ticker = x.ticker AND t.region = x.region)`, key,
})

/** Each check: rows of `table` (aliased x) matching `where`, shown by `key`. */
const CHECKS: readonly { check: string; table: string; where: string; key: string }[] = [
  { check: 'NULL regions', table: 'ohlcv_data', where: 'region IS NULL', key: ohlcvKey },
  // Spec 9.2's "invalid prices", then the rest of the OHLC rules of the spec's CHECK constraints.
  { check: 'invalid prices (high < low, negative open or close)', table: 'ohlcv_data', where: 'high < low OR open < 0 OR close < 0', key: ohlcvKey },
  {
    check: 'OHLC rule breaks (high below open/close, low above them, prices <= 0, volume < 0)', table: 'ohlcv_data',
    where: 'high < greatest(open, close) OR low > least(open, close) OR least(open, high, low, close) <= 0 OR volume < 0', key: ohlcvKey,
  },
  { check: 'scores out of range (total_score outside 0..100)', table: 'factor_scores', where: 'total_score < 0 OR total_score > 100', key: `ticker || '/' || region || ' ' || calculation_date::text` },
  { check: 'negative quantities', table: 'portfolio', where: 'quantity < 0', key: `ticker || '/' || region` },
  orphan('ohlcv_data', ohlcvKey),
  orphan('factor_scores', `ticker || '/' || region || ' ' || calculation_date::text`),
  orphan('portfolio', `ticker || '/' || region`),
  orphan('trades', `ticker || '/' || region || ' ' || trade_date::text`),
]

/**
 * Missing trading days: for each ticker's daily bars, the days of its region's calendar (every day on
 * which some ticker of the region has a bar) between its first and last bar on which it has none.
 * Counted as expected days minus present days, so no per-day row is ever built.
 */
const GAPS_SQL = `WITH cal AS (SELECT DISTINCT region, date FROM ohlcv_data WHERE timeframe = 'daily'),
  span AS (SELECT ticker, region, min(date) AS first, max(date) AS last, count(*) AS n
           FROM ohlcv_data WHERE timeframe = 'daily' GROUP BY ticker, region),
  missing AS (SELECT s.ticker, s.region, s.first, s.last,
      (SELECT count(*) FROM cal c WHERE c.region = s.region AND c.date BETWEEN s.first AND s.last) - s.n AS days
    FROM span s)
  SELECT coalesce(sum(days), 0)::int AS rows,
    coalesce((array_agg(ticker || '/' || region || ': ' || days || ' missing day(s) between ' || first || ' and ' || last
      ORDER BY days DESC, ticker))[1:5], '{}') AS examples
  FROM missing WHERE days > 0`

function toArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String)
  if (typeof value === 'string' && value.startsWith('{')) {
    // A text[] returned as its literal: {"a b",c}
    return [...value.slice(1, -1).matchAll(/"((?:[^"\\]|\\.)*)"|([^,]+)/g)].map((m) => (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'))
  }
  return []
}

/**
 * Runs every check and collects row counts and date ranges. Read-only.
 * @example `const report = await validateDatabase(ctx); if (!report.ok) console.table(report.checks)`
 * @internal
 */
export async function validateDatabase(ctx: RepoContext): Promise<ValidationReport> {
  const q = ctx.runner
  const checks: IntegrityCheck[] = []
  for (const c of CHECKS) {
    const [row] = await q.query<{ rows: number; examples: unknown }>(
      `SELECT count(*)::int AS rows, coalesce((array_agg(${c.key} ORDER BY ${c.key}))[1:5], '{}') AS examples
       FROM ${c.table} x WHERE ${c.where}`)
    checks.push({ check: c.check, table: c.table, rows: Number(row?.rows ?? 0), examples: toArray(row?.examples) })
  }
  const [gaps] = await q.query<{ rows: number; examples: unknown }>(GAPS_SQL)
  checks.push({ check: 'gaps in trading days (region calendar)', table: 'ohlcv_data', rows: Number(gaps?.rows ?? 0), examples: toArray(gaps?.examples) })

  const tables: TableRange[] = []
  for (const t of TABLES) {
    const [row] = await q.query<Record<string, unknown>>(`SELECT count(*)::int AS rows,
        ${t.date ? `min(${t.date})::text` : 'NULL'} AS "from", ${t.date ? `max(${t.date})::text` : 'NULL'} AS "to",
        ${t.ticker ? 'count(DISTINCT ticker)::int' : 'NULL'} AS tickers FROM ${t.table}`)
    tables.push({
      table: t.table, rows: Number(row?.['rows'] ?? 0), from: (row?.['from'] as string | null) ?? null,
      to: (row?.['to'] as string | null) ?? null, tickers: row?.['tickers'] == null ? null : Number(row['tickers']),
    })
  }
  return { ok: checks.every((c) => c.rows === 0), checks, tables }
}
