-- Job counters off the job's row (issue 13). Every task used to add itself to job_runs' counters in the
-- transaction that stored its bars, so the job row stayed locked through that commit's WAL flush and
-- the commits of all of a job's tasks ran one after another. Now a task ends only its own job_tasks row;
-- the job row is written once, when its last task has ended (its final counts, status, error summary and
-- finished_at, in one statement), and while it runs its counts are those of its tasks. They grow with
-- the job's own size only (the (job_id, status) index), never with history.
COMMENT ON COLUMN job_runs.tasks_succeeded IS
  'Final count, written when the job ends; while it runs, read job_progress (counted from job_tasks).';
COMMENT ON COLUMN job_runs.tasks_failed IS
  'Final count, written when the job ends; while it runs, read job_progress (counted from job_tasks).';
COMMENT ON COLUMN job_runs.rows_upserted IS
  'Final count, written when the job ends; while it runs, read job_progress (counted from job_tasks).';

-- job_runs as a person reads it: the same columns, with a running job's counts taken from its tasks.
-- The subquery's own filter on finished_at makes it a one-time filter, so a finished job reads no task.
CREATE VIEW job_progress AS
SELECT j.id, j.kind, j.status, j.market, j.range_start, j.range_end, j.assets, j.request, j.tasks_total,
       coalesce(t.succeeded, j.tasks_succeeded) AS tasks_succeeded,
       coalesce(t.failed, j.tasks_failed) AS tasks_failed,
       coalesce(t.rows_upserted, j.rows_upserted) AS rows_upserted,
       j.error_summary, j.created_at, j.started_at, j.finished_at, j.updated_at, j.announced_at,
       j.announce_claimed_at
FROM job_runs j
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE status = 'success')::int AS succeeded,
         count(*) FILTER (WHERE status = 'failed')::int AS failed,
         coalesce(sum(rows_upserted), 0)::bigint AS rows_upserted
  FROM job_tasks WHERE job_id = j.id AND j.finished_at IS NULL
) t ON j.finished_at IS NULL;

GRANT SELECT ON job_progress TO market_reader;
