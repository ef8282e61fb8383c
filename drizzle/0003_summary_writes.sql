-- Custom migration (drizzle-kit --custom): when ohlcv_daily_summary is stale (docs/spec-corrections.md 13).
-- ohlcv.dailySummary refreshes the aggregate only when a write it has not taken in touches the window
-- asked: ohlcv_daily_summary_stale(day_from, day_to) says so, called from the read statement itself.
-- TimescaleDB: the continuous aggregate's invalidation logs (internal time: microseconds since 1970 for
-- a date) below its invalidation threshold, and any bar above the threshold (writes there are not logged).
-- Plain mode: the view is rebuilt whole by REFRESH (1.3 s at the spec's capacity); a statement-level
-- trigger on ohlcv_data records each transaction that wrote it, whoever wrote (the library, raw SQL,
-- COPY, TRUNCATE), committed or rolled back with the write itself, and the refresh deletes the records.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    CREATE FUNCTION ohlcv_daily_summary_stale(day_from date, day_to date) RETURNS boolean
      LANGUAGE plpgsql STABLE AS $f$
    DECLARE
      w record;
      lo bigint;
      hi bigint;
      since date;
    BEGIN
      SELECT ca.mat_hypertable_id AS mat, ca.raw_hypertable_id AS raw, t.watermark AS thr INTO w
        FROM _timescaledb_catalog.continuous_agg ca
        JOIN _timescaledb_catalog.continuous_aggs_invalidation_threshold t ON t.hypertable_id = ca.raw_hypertable_id
        WHERE ca.user_view_name = 'ohlcv_daily_summary' AND ca.user_view_schema = current_schema();
      IF NOT FOUND THEN RETURN true; END IF;  -- never refreshed
      -- Log entries at or above the threshold mean nothing yet (the log starts with one up to +infinity).
      lo := _timescaledb_functions.time_to_internal(day_from);
      hi := _timescaledb_functions.time_to_internal(day_to + 1);
      IF EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l
          WHERE l.hypertable_id = w.raw AND l.lowest_modified_value < LEAST(hi, w.thr) AND l.greatest_modified_value >= lo)
        OR EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l
          WHERE l.materialization_id = w.mat AND l.lowest_modified_value < LEAST(hi, w.thr) AND l.greatest_modified_value >= lo) THEN
        RETURN true;
      END IF;
      IF hi <= w.thr THEN RETURN false; END IF;
      -- Writes above the threshold are not logged: there, any stored bar in the window is stale. Its
      -- bounds as plain values let the planner consider only those days' chunks.
      since := GREATEST(day_from, _timescaledb_functions.to_date(w.thr));
      RETURN EXISTS (SELECT 1 FROM ohlcv_data d WHERE d.date >= since AND d.date <= day_to);
    EXCEPTION WHEN undefined_table OR undefined_column OR undefined_function THEN
      RETURN true;  -- a TimescaleDB whose catalog differs: refresh, as before this migration
    END $f$;
  ELSE
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
    -- The view is rebuilt whole: any recorded write makes every window stale.
    CREATE FUNCTION ohlcv_daily_summary_stale(day_from date, day_to date) RETURNS boolean
      LANGUAGE sql STABLE AS $f$ SELECT EXISTS (SELECT 1 FROM ohlcv_daily_summary_writes) $f$;
    -- What the view holds was never checked against the table: the first read refreshes it.
    INSERT INTO ohlcv_daily_summary_writes (xact) VALUES (txid_current());
  END IF;
END $$;
