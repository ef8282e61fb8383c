-- Custom migration (drizzle-kit --custom): ohlcv_daily_summary_read, the default ohlcv.dailySummary read
-- (issue 9). Every statement on a hypertable is planned afresh on each call (a generic plan cannot exclude
-- chunks at plan time, so Postgres keeps choosing custom plans): ~0.15-0.2 ms of a ~0.3 ms read, and the
-- staleness check's InitPlan added ~0.07 ms more. Here the check and the read run in one function whose
-- plans are generic and kept by the session (TimescaleDB excludes the aggregate's chunks when the plan
-- starts), so a call plans nothing but itself.
-- With check_stale, a stale window returns one row of NULLs (a real row always has a day): the library
-- then refreshes the window and reads it as stored (check_stale false, as `refresh: false` reads). Both modes: the staleness function is TimescaleDB's (0004) or plain
-- mode's (0003). The result type is the view's row type, so the view cannot be dropped without this.
CREATE OR REPLACE FUNCTION ohlcv_daily_summary_read(p_region text, day_from date, day_to date, check_stale boolean)
  RETURNS SETOF ohlcv_daily_summary LANGUAGE plpgsql STABLE
  SET plan_cache_mode = force_generic_plan AS $f$
BEGIN
  IF check_stale AND ohlcv_daily_summary_stale(day_from, day_to) THEN
    RETURN NEXT NULL::ohlcv_daily_summary;
    RETURN;
  END IF;
  RETURN QUERY SELECT * FROM ohlcv_daily_summary v
    WHERE v.region = p_region AND v.day >= day_from AND v.day <= day_to ORDER BY v.day;
END $f$;
