/**
 * Retention of spec 3.2, in one place: TimescaleDB policies carry the same intervals (see the custom
 * migration), and plain mode applies them from `ops.maintenance()`.
 */
export const RETENTION = [
  { table: 'backtest_results', column: 'simulation_date', interval: '5 years' },
  { table: 'api_logs', column: 'timestamp', interval: '1 year' },
  { table: 'system_logs', column: 'timestamp', interval: '1 year' },
] as const

/** Compression of spec 3.1: compress chunks older than this. */
export const COMPRESSION = [
  { table: 'ohlcv_data', after: '90 days' },
  { table: 'factor_scores', after: '90 days' },
  { table: 'backtest_results', after: '180 days' },
  { table: 'portfolio_snapshots', after: '180 days' },
] as const

export type HypertableName = (typeof COMPRESSION)[number]['table']
export const COMPRESSIBLE: readonly string[] = COMPRESSION.map((c) => c.table)
