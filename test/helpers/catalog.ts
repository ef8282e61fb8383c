import type { QuantDb } from '../../src/client.js'

export const SPEC_TABLES = [
  'tickers', 'ohlcv_data', 'factor_scores', 'backtest_results', 'portfolio', 'trades',
  'portfolio_snapshots', 'api_logs', 'system_logs',
  // Not in the spec (docs/spec-corrections.md 12); its DDL is in the fixture, marked CORRECTED.
  'ohlcv_indicator_state',
] as const

const IN_TABLES = `(${SPEC_TABLES.map((t) => `'${t}'`).join(', ')})`

type Db = Pick<QuantDb, 'query'>

const lines = async (db: Db, text: string): Promise<string[]> =>
  (await db.query<{ line: string }>(text)).map((r) => r.line).sort()

/** Every column with its type, precision, nullability and default. */
export const columns = (db: Db) => lines(db, `
  SELECT concat_ws(' | ', table_name, column_name, data_type, character_maximum_length, numeric_precision,
                   numeric_scale, is_nullable, column_default) AS line
  FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ${IN_TABLES}`)

/**
 * Index definitions with the index name removed (names may differ, definitions may not). TimescaleDB's
 * chunk indexes are not listed (pg_indexes of the parent only), and a duplicate definition counts once.
 */
export const indexes = async (db: Db) => [...new Set(await lines(db, `
  SELECT tablename || ' | ' || regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON ', 'CREATE \\1INDEX ON ') AS line
  FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ${IN_TABLES}`))]

/** Constraint definitions (primary, unique, foreign keys, checks), without names. */
export const constraints = (db: Db) => lines(db, `
  SELECT conrelid::regclass::text || ' | ' || contype::text || ' | ' || pg_get_constraintdef(oid) AS line
  FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text IN ${IN_TABLES}`)

/** Table and column comments. */
export const comments = (db: Db) => lines(db, `
  SELECT c.relname || coalesce('.' || a.attname, '') || ' | ' || d.description AS line
  FROM pg_description d
  JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
  WHERE c.relnamespace = 'public'::regnamespace AND c.relname IN ${IN_TABLES}`)

/** Hypertables: partitioning column and chunk interval. */
export const dimensions = (db: Db) => lines(db, `
  SELECT hypertable_name || ' | ' || column_name || ' | ' || time_interval::text AS line
  FROM timescaledb_information.dimensions`)

/** Compression settings per hypertable. */
export const compression = (db: Db) => lines(db, `
  SELECT hypertable::text || ' | ' || coalesce(segmentby, '-') || ' | ' || coalesce(orderby, '-') AS line
  FROM timescaledb_information.hypertable_compression_settings`)

/** Policies, with continuous aggregates named by their view rather than their internal hypertable. */
export const jobs = (db: Db) => lines(db, `
  SELECT j.proc_name || ' | ' || coalesce(ca.view_name, j.hypertable_name, '-') || ' | ' || j.schedule_interval::text
         || ' | ' || coalesce((j.config - 'hypertable_id' - 'mat_hypertable_id')::text, '-') AS line
  FROM timescaledb_information.jobs j
  LEFT JOIN timescaledb_information.continuous_aggregates ca ON ca.materialization_hypertable_name = j.hypertable_name
  -- TimescaleDB's own jobs (job history retention; the telemetry reporter a server build has, off there)
  WHERE j.proc_name NOT LIKE 'policy_job_stat%' AND j.proc_name <> 'policy_telemetry'`)

/** Columns of the aggregates and views, with their types. */
export const aggregateColumns = (db: Db) => lines(db, `
  SELECT c.relname || ' | ' || a.attname || ' | ' || format_type(a.atttypid, a.atttypmod) AS line
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
    AND c.relname IN ('ohlcv_daily_summary', 'factor_monthly_performance', 'portfolio_daily_metrics', 'portfolio_performance')`)
