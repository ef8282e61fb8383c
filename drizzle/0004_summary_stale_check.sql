-- Custom migration (drizzle-kit --custom): a cheaper ohlcv_daily_summary_stale (issue 9), same answers.
-- Every default ohlcv.dailySummary read calls it once (an InitPlan of the read). The version of 0003 ran
-- four statements and, for its EXCEPTION clause, opened a subtransaction on every call. Here: one query
-- (catalog row, threshold and both invalidation logs together), a plain comparison, and the probe of
-- ohlcv_data only for a window above the threshold. No EXCEPTION clause: on a TimescaleDB whose catalog
-- differs (a table, column or function missing: 42P01, 42703, 42883), the read fails and the library
-- refreshes the window and reads it as stored, as this function's `RETURN true` made it do before.
-- Plain mode keeps its one-line SQL function of 0003.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
    CREATE OR REPLACE FUNCTION ohlcv_daily_summary_stale(day_from date, day_to date) RETURNS boolean
      LANGUAGE plpgsql STABLE AS $f$
    DECLARE
      thr bigint;
      logged boolean;
    BEGIN
      -- Log entries at or above the threshold mean nothing yet (the log starts with one up to +infinity).
      -- Internal time of a date: microseconds since 1970; the window's end is exclusive.
      SELECT t.watermark,
          EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l
            WHERE l.hypertable_id = ca.raw_hypertable_id
              AND l.lowest_modified_value < LEAST(_timescaledb_functions.time_to_internal(day_to + 1), t.watermark)
              AND l.greatest_modified_value >= _timescaledb_functions.time_to_internal(day_from))
          OR EXISTS (SELECT 1 FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l
            WHERE l.materialization_id = ca.mat_hypertable_id
              AND l.lowest_modified_value < LEAST(_timescaledb_functions.time_to_internal(day_to + 1), t.watermark)
              AND l.greatest_modified_value >= _timescaledb_functions.time_to_internal(day_from))
        INTO thr, logged
        FROM _timescaledb_catalog.continuous_agg ca
        JOIN _timescaledb_catalog.continuous_aggs_invalidation_threshold t ON t.hypertable_id = ca.raw_hypertable_id
        WHERE ca.user_view_name = 'ohlcv_daily_summary' AND ca.user_view_schema = current_schema();
      -- Not found: never refreshed.
      IF NOT FOUND OR logged THEN RETURN true; END IF;
      IF _timescaledb_functions.time_to_internal(day_to + 1) <= thr THEN RETURN false; END IF;
      -- Writes above the threshold are not logged: there, any stored bar in the window is stale. A
      -- statement of its own, so its plan (chunk exclusion on the window) is made only when needed.
      RETURN EXISTS (SELECT 1 FROM ohlcv_data d
        WHERE d.date >= GREATEST(day_from, _timescaledb_functions.to_date(thr)) AND d.date <= day_to);
    END $f$;
  END IF;
END $$;
