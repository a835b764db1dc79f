-- One statement-level insert trigger for both per-asset bookkeeping tables (asset_coverage of 0003,
-- asset_month_bars of 0013), with the same contents as the two it replaces. Those aggregated every
-- inserted bar twice, and extract() computes in numeric: 43 ms of a 37,800-row COPY of about 250 ms.
-- Now one aggregate per asset, month and source (date_part, in float8) gives the month's day mask and
-- its first and last session, and the coverage is taken from those month rows: about 21 ms.
-- Delete and truncate triggers are unchanged.
CREATE FUNCTION prices_daily_bookkeeping_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH months AS MATERIALIZED (
    SELECT asset_id, session_date - (date_part('day', session_date)::int - 1) AS month, source,
           bit_or(1 << (date_part('day', session_date)::int - 1)) AS days,
           min(session_date) AS first_session, max(session_date) AS latest_session
    FROM new_rows GROUP BY 1, 2, 3
  ),
  -- Each table's rows in key order, and every writer runs this same statement (coverage, then the
  -- WITH's month rows once the main insert is done), so concurrent writers lock them in one order.
  month_bars AS (
    INSERT INTO asset_month_bars (asset_id, month, source, days)
    SELECT asset_id, month, source, days FROM months ORDER BY 1, 2, 3
    ON CONFLICT (asset_id, month, source) DO UPDATE SET days = asset_month_bars.days | EXCLUDED.days
    WHERE asset_month_bars.days | EXCLUDED.days <> asset_month_bars.days
  )
  INSERT INTO asset_coverage (asset_id, source, first_session, latest_session)
  SELECT asset_id, source, min(first_session), max(latest_session) FROM months GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (asset_id, source) DO UPDATE SET
    first_session = LEAST(asset_coverage.first_session, EXCLUDED.first_session),
    latest_session = GREATEST(asset_coverage.latest_session, EXCLUDED.latest_session)
  WHERE EXCLUDED.first_session < asset_coverage.first_session
     OR EXCLUDED.latest_session > asset_coverage.latest_session;
  RETURN NULL;
END $$;

DROP TRIGGER prices_daily_coverage_insert ON prices_daily;
DROP TRIGGER prices_daily_month_bars_insert ON prices_daily;
DROP FUNCTION asset_coverage_after_insert();
DROP FUNCTION asset_month_bars_after_insert();

CREATE TRIGGER prices_daily_bookkeeping_insert AFTER INSERT ON prices_daily
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION prices_daily_bookkeeping_after_insert();
