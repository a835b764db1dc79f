-- A read-only group role for analysts, the web console and exports: SELECT on the data and the job
-- records, EXECUTE on the adjusted-price functions, nothing else (no writes, no outbox, no bookkeeping of
-- the migrations). Login users are made members of it: locally by the CLI (shared/db/reader-login.ts),
-- on AWS by the migrate function from the analyst secret. Roles belong to the whole cluster, so the role
-- is created only when missing (another database of the cluster may have made it, even concurrently);
-- the grants belong to this database.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'market_reader') THEN
    CREATE ROLE market_reader NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- made meanwhile by a concurrent migration
END
$$;

GRANT USAGE ON SCHEMA public TO market_reader;
GRANT SELECT ON
  assets,
  prices_daily,
  asset_coverage,
  corporate_actions,
  corporate_action_refreshes,
  price_revisions,
  market_sessions,
  quality_flags,
  job_runs,
  job_tasks
TO market_reader;
GRANT EXECUTE ON FUNCTION corporate_action_factors(integer, text) TO market_reader;
GRANT EXECUTE ON FUNCTION adjusted_prices(integer, date, date, text) TO market_reader;
