-- The first and latest stored session per asset and source, kept exact by statement-level triggers on
-- prices_daily (one aggregate per statement over its transition table, never a trigger per row).
-- The freshness check reads 5,000 rows here instead of probing or scanning prices_daily.
CREATE TABLE asset_coverage (
  asset_id        integer NOT NULL,
  source          text NOT NULL,
  first_session   date NOT NULL,
  latest_session  date NOT NULL,
  PRIMARY KEY (asset_id, source)
);

CREATE FUNCTION asset_coverage_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Key order, so concurrent writers lock coverage rows in the same order.
  INSERT INTO asset_coverage (asset_id, source, first_session, latest_session)
  SELECT asset_id, source, min(session_date), max(session_date) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (asset_id, source) DO UPDATE SET
    first_session = LEAST(asset_coverage.first_session, EXCLUDED.first_session),
    latest_session = GREATEST(asset_coverage.latest_session, EXCLUDED.latest_session)
  WHERE EXCLUDED.first_session < asset_coverage.first_session
     OR EXCLUDED.latest_session > asset_coverage.latest_session;
  RETURN NULL;
END $$;

-- Deletes (by hand, or a retention job) recompute the affected assets from the primary key index.
CREATE FUNCTION asset_coverage_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH touched AS (SELECT DISTINCT asset_id, source FROM old_rows),
  recomputed AS (
    SELECT t.asset_id, t.source,
           (SELECT min(session_date) FROM prices_daily p WHERE p.asset_id = t.asset_id AND p.source = t.source) AS first_session,
           (SELECT max(session_date) FROM prices_daily p WHERE p.asset_id = t.asset_id AND p.source = t.source) AS latest_session
    FROM touched t
  ),
  emptied AS (
    DELETE FROM asset_coverage c USING recomputed r
    WHERE c.asset_id = r.asset_id AND c.source = r.source AND r.latest_session IS NULL
  )
  UPDATE asset_coverage c SET first_session = r.first_session, latest_session = r.latest_session
  FROM recomputed r
  WHERE c.asset_id = r.asset_id AND c.source = r.source AND r.latest_session IS NOT NULL;
  RETURN NULL;
END $$;

CREATE FUNCTION asset_coverage_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM asset_coverage;
  RETURN NULL;
END $$;

CREATE TRIGGER prices_daily_coverage_insert AFTER INSERT ON prices_daily
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_coverage_after_insert();
CREATE TRIGGER prices_daily_coverage_delete AFTER DELETE ON prices_daily
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION asset_coverage_after_delete();
CREATE TRIGGER prices_daily_coverage_truncate AFTER TRUNCATE ON prices_daily
  FOR EACH STATEMENT EXECUTE FUNCTION asset_coverage_after_truncate();

INSERT INTO asset_coverage (asset_id, source, first_session, latest_session)
SELECT asset_id, source, min(session_date), max(session_date) FROM prices_daily GROUP BY 1, 2;
