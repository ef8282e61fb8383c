-- Custom migration (drizzle-kit --custom), plain mode only (docs/spec-corrections.md 13).
-- Without TimescaleDB, ohlcv_daily_summary is a materialized view that only a whole REFRESH brings up
-- to date (1.3 s at the spec's capacity). A statement-level trigger on ohlcv_data records each
-- transaction that wrote to it, whoever wrote (the library, raw SQL, COPY, TRUNCATE): dailySummary
-- refreshes only when a row is here, and deletes the rows its refresh covers. One row per writing
-- transaction (its id), committed or rolled back with the write itself.
-- With TimescaleDB the continuous aggregate keeps its own invalidation log: nothing is created.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    CREATE TABLE ohlcv_daily_summary_writes (
      xact bigint PRIMARY KEY,
      written_at timestamptz NOT NULL DEFAULT now()
    );
    COMMENT ON TABLE ohlcv_daily_summary_writes IS
      'Transactions that wrote ohlcv_data since the last refresh of ohlcv_daily_summary (plain mode)';
    -- SECURITY DEFINER: a role that may write ohlcv_data needs no grant on this table.
    CREATE FUNCTION ohlcv_daily_summary_mark_stale() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $f$
    BEGIN
      INSERT INTO ohlcv_daily_summary_writes (xact) VALUES (txid_current()) ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $f$;
    CREATE TRIGGER ohlcv_daily_summary_stale
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ohlcv_data
      FOR EACH STATEMENT EXECUTE FUNCTION ohlcv_daily_summary_mark_stale();
    -- What the view holds was never checked against the table: the first read refreshes it.
    INSERT INTO ohlcv_daily_summary_writes (xact) VALUES (txid_current());
  END IF;
END $$;
