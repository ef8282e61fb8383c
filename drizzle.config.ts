import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
  // TimescaleDB keeps its catalog in its own schemas; drizzle-kit must never try to manage them.
  schemaFilter: ['public'],
  tablesFilter: ['!_timescaledb_*', '!_hyper_*', '!_compressed_hypertable_*', '!_materialized_hypertable_*'],
  dbCredentials: { url: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
})
