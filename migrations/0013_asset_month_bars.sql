-- Stored bars per asset and calendar month (all sources together), kept exact by statement-level
-- triggers on prices_daily like asset_coverage (0003): one aggregate per statement over its transition
-- table. `backfill --skip-existing` counts a chunk's stored bars from its whole months here and reads
-- prices_daily only for the partial months at the chunk's two ends, so planning 5,000 assets x 30 years
-- reads about 120,000 rows instead of 37 million. Keys of prices_daily are never updated (an upsert
-- rewrites values only), so inserts, deletes and truncates are all that change a count.
CREATE TABLE asset_month_bars (
  asset_id  integer NOT NULL,
  month     date NOT NULL CHECK (extract(day FROM month) = 1),
  bars      integer NOT NULL CHECK (bars > 0),
  PRIMARY KEY (asset_id, month)
);

CREATE FUNCTION asset_month_bars_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only rows actually inserted are in new_rows (an ON CONFLICT update is not), so counts add up.
  -- Key order, so concurrent writers lock month rows in the same order.
  INSERT INTO asset_month_bars (asset_id, month, bars)
  SELECT asset_id, date_trunc('month', session_date::timestamp)::date, count(*)
  FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (asset_id, month) DO UPDATE SET bars = asset_month_bars.bars + EXCLUDED.bars;
  RETURN NULL;
END $$;

CREATE FUNCTION asset_month_bars_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH gone AS (
    SELECT asset_id, date_trunc('month', session_date::timestamp)::date AS month, count(*)::int AS bars
    FROM old_rows GROUP BY 1, 2
  ),
  emptied AS (
    DELETE FROM asset_month_bars m USING gone g
    WHERE m.asset_id = g.asset_id AND m.month = g.month AND m.bars <= g.bars
  )
  UPDATE asset_month_bars m SET bars = m.bars - g.bars
  FROM gone g WHERE m.asset_id = g.asset_id AND m.month = g.month AND m.bars > g.bars;
  RETURN NULL;
END $$;

CREATE FUNCTION asset_month_bars_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM asset_month_bars;
  RETURN NULL;
END $$;

CREATE TRIGGER prices_daily_month_bars_insert AFTER INSERT ON prices_daily
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_month_bars_after_insert();
CREATE TRIGGER prices_daily_month_bars_delete AFTER DELETE ON prices_daily
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_month_bars_after_delete();
CREATE TRIGGER prices_daily_month_bars_truncate AFTER TRUNCATE ON prices_daily
  FOR EACH STATEMENT EXECUTE FUNCTION asset_month_bars_after_truncate();

INSERT INTO asset_month_bars (asset_id, month, bars)
SELECT asset_id, date_trunc('month', session_date::timestamp)::date, count(*)
FROM prices_daily GROUP BY 1, 2;
