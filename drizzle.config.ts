import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
  // TimescaleDB keeps its catalog in its own schemas; drizzle-kit must never try to manage them, nor
  // the plain-mode table of the custom migration 0003 (ohlcv_daily_summary_writes).
  schemaFilter: ['public'],
  tablesFilter: ['!ohlcv_daily_summary_writes', '!_timescaledb_*', '!_hyper_*', '!_compressed_hypertable_*', '!_materialized_hypertable_*'],
  dbCredentials: { url: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
})
