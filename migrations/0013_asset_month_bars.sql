-- Which days of each month hold a stored bar, per asset and source: a 31-bit mask (bit d-1 for day d),
-- kept exact by statement-level triggers on prices_daily like asset_coverage (0003): one aggregate per
-- statement over its transition table. `backfill --skip-existing` counts a chunk's stored bars as the
-- bits of its months that fall inside the chunk, and `db status` sums them, so neither reads a bar:
-- planning 5,000 assets x 30 years reads 50,000 short index ranges here instead of 37 million bars.
-- Keys of prices_daily are never updated (an upsert rewrites values only), so inserts, deletes and
-- truncates are all that change a mask.
CREATE TABLE asset_month_bars (
  asset_id  integer NOT NULL,
  month     date NOT NULL CHECK (extract(day FROM month) = 1),
  source    text NOT NULL,
  days      integer NOT NULL CHECK (days > 0),
  -- days in the index: a plan reads the index only (the rows of one asset are scattered in the heap).
  PRIMARY KEY (asset_id, month, source) INCLUDE (days)
);

COMMENT ON COLUMN asset_month_bars.days IS
  'Bit d-1 set when a bar is stored for day d of the month: bit_count(days::bit(32)) is the month''s bars.';

CREATE FUNCTION asset_month_bars_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Key order, so concurrent writers lock month rows in the same order.
  INSERT INTO asset_month_bars (asset_id, month, source, days)
  SELECT asset_id, date_trunc('month', session_date::timestamp)::date, source,
         bit_or(1 << (extract(day FROM session_date)::int - 1))
  FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (asset_id, month, source) DO UPDATE SET days = asset_month_bars.days | EXCLUDED.days
  WHERE asset_month_bars.days | EXCLUDED.days <> asset_month_bars.days;
  RETURN NULL;
END $$;

CREATE FUNCTION asset_month_bars_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH gone AS (
    SELECT asset_id, date_trunc('month', session_date::timestamp)::date AS month, source,
           bit_or(1 << (extract(day FROM session_date)::int - 1)) AS days
    FROM old_rows GROUP BY 1, 2, 3
  ),
  emptied AS (
    DELETE FROM asset_month_bars m USING gone g
    WHERE m.asset_id = g.asset_id AND m.month = g.month AND m.source = g.source AND m.days & ~g.days = 0
  )
  UPDATE asset_month_bars m SET days = m.days & ~g.days
  FROM gone g
  WHERE m.asset_id = g.asset_id AND m.month = g.month AND m.source = g.source AND m.days & ~g.days <> 0;
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

INSERT INTO asset_month_bars (asset_id, month, source, days)
SELECT asset_id, date_trunc('month', session_date::timestamp)::date, source,
       bit_or(1 << (extract(day FROM session_date)::int - 1))
FROM prices_daily GROUP BY 1, 2, 3;

-- Readers (0010) may look at it like the other bookkeeping of what is stored (asset_coverage).
GRANT SELECT ON asset_month_bars TO market_reader;
