-- Custom migration (drizzle-kit --custom): everything drizzle-kit does not know about.
-- It runs inside drizzle's migration transaction, on TimescaleDB and on plain PostgreSQL alike:
-- each TimescaleDB step is guarded, and without the extension the plain-mode equivalents are created.

-- Extensions (spec 1.2). Each is optional: a server may list TimescaleDB in pg_available_extensions
-- without preloading it, in which case CREATE EXTENSION fails and this database runs in plain mode.
DO $$
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS timescaledb CASCADE;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'quant-db: TimescaleDB is not available (%), using plain PostgreSQL mode', SQLERRM;
  END;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pgcrypto;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'quant-db: pgcrypto is not available (%)', SQLERRM;
  END;
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'quant-db: pg_stat_statements is not available (%)', SQLERRM;
  END;
END $$;
--> statement-breakpoint

-- Table and column comments (section 2).
COMMENT ON TABLE tickers IS 'Ticker universe across all supported regions';
--> statement-breakpoint
COMMENT ON COLUMN tickers.metadata IS 'Additional metadata as JSON (e.g., exchange, currency)';
--> statement-breakpoint
COMMENT ON TABLE ohlcv_data IS 'Historical OHLCV data with technical indicators (hypertable)';
--> statement-breakpoint
COMMENT ON TABLE factor_scores IS 'Multi-factor analysis scores and signals (hypertable)';
--> statement-breakpoint
COMMENT ON TABLE backtest_results IS 'Backtesting simulation results (hypertable)';
--> statement-breakpoint
COMMENT ON TABLE portfolio IS 'Current portfolio holdings and positions';
--> statement-breakpoint
COMMENT ON TABLE trades IS 'Trade execution history and performance tracking';
--> statement-breakpoint
COMMENT ON TABLE portfolio_snapshots IS 'Daily portfolio snapshots for performance analysis (hypertable)';
--> statement-breakpoint
COMMENT ON TABLE api_logs IS 'KIS API call logs for monitoring and debugging';
--> statement-breakpoint
COMMENT ON TABLE system_logs IS 'System event logs for debugging and monitoring';
--> statement-breakpoint

-- Hypertables (section 2), compression (3.1), retention (3.2) and continuous aggregates (section 4).
-- TimescaleDB's default (time DESC) index is kept where the spec gets one from create_hypertable, and
-- skipped where the spec's own index has the very same definition (ohlcv_data, portfolio_snapshots, logs).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    PERFORM create_hypertable('ohlcv_data', 'date', chunk_time_interval => INTERVAL '1 month',
      create_default_indexes => FALSE, if_not_exists => TRUE);
    PERFORM create_hypertable('factor_scores', 'calculation_date', chunk_time_interval => INTERVAL '1 month',
      if_not_exists => TRUE);
    PERFORM create_hypertable('backtest_results', 'simulation_date', chunk_time_interval => INTERVAL '3 months',
      if_not_exists => TRUE);
    PERFORM create_hypertable('portfolio_snapshots', 'snapshot_date', chunk_time_interval => INTERVAL '3 months',
      create_default_indexes => FALSE, if_not_exists => TRUE);
    -- DESIGN.md correction 1: the log tables become hypertables so that their retention is real.
    PERFORM create_hypertable('api_logs', 'timestamp', chunk_time_interval => INTERVAL '1 month',
      create_default_indexes => FALSE, if_not_exists => TRUE);
    PERFORM create_hypertable('system_logs', 'timestamp', chunk_time_interval => INTERVAL '1 month',
      create_default_indexes => FALSE, if_not_exists => TRUE);

    EXECUTE $s$ALTER TABLE ohlcv_data SET (timescaledb.compress,
      timescaledb.compress_segmentby = 'ticker,region', timescaledb.compress_orderby = 'date DESC')$s$;
    PERFORM add_compression_policy('ohlcv_data', INTERVAL '90 days', if_not_exists => TRUE);
    EXECUTE $s$ALTER TABLE factor_scores SET (timescaledb.compress,
      timescaledb.compress_segmentby = 'ticker,region', timescaledb.compress_orderby = 'calculation_date DESC')$s$;
    PERFORM add_compression_policy('factor_scores', INTERVAL '90 days', if_not_exists => TRUE);
    EXECUTE $s$ALTER TABLE backtest_results SET (timescaledb.compress,
      timescaledb.compress_segmentby = 'strategy_name,region', timescaledb.compress_orderby = 'simulation_date DESC')$s$;
    PERFORM add_compression_policy('backtest_results', INTERVAL '180 days', if_not_exists => TRUE);
    EXECUTE $s$ALTER TABLE portfolio_snapshots SET (timescaledb.compress,
      timescaledb.compress_orderby = 'snapshot_date DESC')$s$;
    PERFORM add_compression_policy('portfolio_snapshots', INTERVAL '180 days', if_not_exists => TRUE);

    PERFORM add_retention_policy('backtest_results', INTERVAL '5 years', if_not_exists => TRUE);
    PERFORM add_retention_policy('api_logs', INTERVAL '1 year', if_not_exists => TRUE);
    PERFORM add_retention_policy('system_logs', INTERVAL '1 year', if_not_exists => TRUE);

    -- Continuous aggregates are created WITH NO DATA (inside a transaction they must be);
    -- migrate() refreshes them once the transaction has committed.
    EXECUTE $s$CREATE MATERIALIZED VIEW ohlcv_daily_summary WITH (timescaledb.continuous) AS
      SELECT time_bucket('1 day', date) AS day, region,
        COUNT(DISTINCT ticker) AS n_tickers, AVG(close) AS avg_close, AVG(volume) AS avg_volume,
        SUM(volume) AS total_volume, AVG(rsi) AS avg_rsi, AVG(atr) AS avg_atr
      FROM ohlcv_data WHERE timeframe = 'daily'
      GROUP BY day, region WITH NO DATA$s$;
    PERFORM add_continuous_aggregate_policy('ohlcv_daily_summary',
      start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');

    EXECUTE $s$CREATE MATERIALIZED VIEW factor_monthly_performance WITH (timescaledb.continuous) AS
      SELECT time_bucket('1 month', calculation_date) AS month, region, signal,
        COUNT(*) AS n_stocks, AVG(total_score) AS avg_score, AVG(pe_ratio) AS avg_pe,
        AVG(momentum_12m) AS avg_momentum, AVG(roe) AS avg_roe, AVG(volatility_factor) AS avg_volatility
      FROM factor_scores
      GROUP BY month, region, signal WITH NO DATA$s$;
    PERFORM add_continuous_aggregate_policy('factor_monthly_performance',
      start_offset => INTERVAL '3 months', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 day');

    -- DESIGN.md correction 2: window functions are not allowed in a continuous aggregate; the daily
    -- bucket keeps the day's last snapshot and the rolling statistics live in portfolio_performance.
    EXECUTE $s$CREATE MATERIALIZED VIEW portfolio_daily_metrics WITH (timescaledb.continuous) AS
      SELECT time_bucket('1 day', snapshot_date) AS day,
        last(total_value, snapshot_date) AS total_value, last(cash, snapshot_date) AS cash,
        last(invested_value, snapshot_date) AS invested_value, last(unrealized_pnl, snapshot_date) AS unrealized_pnl,
        last(daily_return, snapshot_date) AS daily_return, last(cumulative_return, snapshot_date) AS cumulative_return
      FROM portfolio_snapshots
      GROUP BY day WITH NO DATA$s$;
    PERFORM add_continuous_aggregate_policy('portfolio_daily_metrics',
      start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');
  ELSE
    -- Plain mode: the same names and columns as plain materialized views, refreshed by the library.
    CREATE MATERIALIZED VIEW ohlcv_daily_summary AS
      SELECT date AS day, region,
        COUNT(DISTINCT ticker) AS n_tickers, AVG(close) AS avg_close, AVG(volume) AS avg_volume,
        SUM(volume) AS total_volume, AVG(rsi) AS avg_rsi, AVG(atr) AS avg_atr
      FROM ohlcv_data WHERE timeframe = 'daily'
      GROUP BY date, region;
    CREATE UNIQUE INDEX ohlcv_daily_summary_day_region ON ohlcv_daily_summary (day, region);

    CREATE MATERIALIZED VIEW factor_monthly_performance AS
      SELECT date_trunc('month', calculation_date)::date AS month, region, signal,
        COUNT(*) AS n_stocks, AVG(total_score) AS avg_score, AVG(pe_ratio) AS avg_pe,
        AVG(momentum_12m) AS avg_momentum, AVG(roe) AS avg_roe, AVG(volatility_factor) AS avg_volatility
      FROM factor_scores
      GROUP BY 1, region, signal;
    CREATE INDEX factor_monthly_performance_month_region ON factor_monthly_performance (month, region);

    CREATE MATERIALIZED VIEW portfolio_daily_metrics AS
      SELECT snapshot_date AS day, total_value, cash, invested_value, unrealized_pnl, daily_return, cumulative_return
      FROM portfolio_snapshots;
    CREATE UNIQUE INDEX portfolio_daily_metrics_day ON portfolio_daily_metrics (day);
  END IF;
END $$;
--> statement-breakpoint

-- Spec 4.3's rolling statistics (and 8.1 query 3), over the corrected daily aggregate.
CREATE VIEW portfolio_performance AS
SELECT
  day, total_value, cash, invested_value, unrealized_pnl, daily_return, cumulative_return,
  AVG(total_value) OVER w30 AS ma30_value,
  AVG(daily_return) OVER w30 AS ma30_return,
  STDDEV(daily_return) OVER w60 AS volatility_60d
FROM portfolio_daily_metrics
WINDOW
  w30 AS (ORDER BY day ROWS BETWEEN 29 PRECEDING AND CURRENT ROW),
  w60 AS (ORDER BY day ROWS BETWEEN 59 PRECEDING AND CURRENT ROW);
