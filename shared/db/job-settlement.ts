import type { Sql } from './client.ts';

/** How many failed tasks the job's error summary lists; the rest are counted. */
const SUMMARY_FAILURES = 50;

export interface Settlement {
  jobId: number;
  /** The job has ended, by this call or before it. */
  finished: boolean;
  /** This call ended it: true for exactly one caller, however many settle the job at once. */
  finishedNow: boolean;
}

/*
 * Ends every selected unfinished job none of whose tasks is pending or running: its final counts, status
 * (success, partial_failure, failure) and error summary from its tasks, and finished_at, in one UPDATE.
 * Race-free under READ COMMITTED: the statement's snapshot is taken after the caller's own task ended and
 * committed, so of two tasks that end at once, the one whose settlement starts last sees both ended; if
 * both do, the job row lock orders them and the second re-checks `finished_at IS NULL` on the row the
 * first wrote (PostgreSQL re-evaluates an UPDATE's condition on a concurrently updated row), so it
 * ends nothing. Ended tasks never change again, so the counts it writes are final.
 */
const SETTLE = (selected: string) => `
  UPDATE job_runs j SET
    (tasks_succeeded, tasks_failed, rows_upserted, status, error_summary) = (
      SELECT c.succeeded, c.failed, c.rows_upserted,
             CASE WHEN c.failed = 0 THEN 'success' WHEN c.succeeded = 0 THEN 'failure' ELSE 'partial_failure' END,
             CASE WHEN c.failed > 0 THEN jsonb_build_object('failedTasks', c.failed, 'failures', (
               SELECT coalesce(jsonb_agg(f ORDER BY f.symbol, f.start), '[]') FROM (
                 SELECT a.symbol, ft.range_start AS start, ft.range_end AS end, ft.error
                 FROM job_tasks ft JOIN assets a ON a.id = ft.asset_id
                 WHERE ft.job_id = j.id AND ft.status = 'failed'
                 ORDER BY a.symbol, ft.range_start LIMIT ${SUMMARY_FAILURES}
               ) f)) END
      FROM (SELECT count(*) FILTER (WHERE status = 'success')::int AS succeeded,
                   count(*) FILTER (WHERE status = 'failed')::int AS failed,
                   coalesce(sum(rows_upserted), 0)::bigint AS rows_upserted
            FROM job_tasks WHERE job_id = j.id) c),
    finished_at = now(), started_at = coalesce(j.started_at, now()), updated_at = now()
  WHERE ${selected} AND j.finished_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM job_tasks o WHERE o.job_id = j.id AND o.status IN ('pending', 'running'))
  RETURNING j.id`;

/**
 * Ends those of `jobIds` whose tasks have all ended (see SETTLE), exactly once each. Call it after the
 * transaction that ended a task has committed, never inside it: inside, two tasks ending at once could
 * each still see the other running, and their job would never end.
 * @returns one settlement per existing job of `jobIds`.
 */
export async function settleJobs(sql: Sql, jobIds: readonly number[]): Promise<Settlement[]> {
  if (jobIds.length === 0) return [];
  const rows = await sql.unsafe<(Settlement & { ended: boolean })[]>(
    `WITH settled AS (${SETTLE('j.id = ANY($1::bigint[])')})
     SELECT j.id AS job_id, s.id IS NOT NULL AS finished_now, s.id IS NOT NULL OR j.finished_at IS NOT NULL AS finished,
            NOT EXISTS (SELECT 1 FROM job_tasks o WHERE o.job_id = j.id AND o.status IN ('pending', 'running')) AS ended
     FROM job_runs j LEFT JOIN settled s ON s.id = j.id
     WHERE j.id = ANY($1::bigint[])`,
    [jobIds as number[]] as never[],
  );
  // Every task ended, yet neither this statement nor its snapshot saw the job end: another caller
  // ended it after that snapshot (the UPDATE waited for its row lock, then found finished_at set).
  // The statement's own read cannot see that commit; a new one can, so this caller still announces.
  const raced = rows.filter((r) => r.ended && !r.finished).map((r) => r.jobId);
  const endedSince = raced.length === 0 ? new Set<number>() : await finishedAmong(sql, raced);
  return rows.map(({ jobId, finishedNow, finished }) => ({
    jobId,
    finishedNow,
    finished: finished || endedSince.has(jobId),
  }));
}

async function finishedAmong(sql: Sql, jobIds: number[]): Promise<Set<number>> {
  const rows = await sql<{ id: number }[]>`
    SELECT id FROM job_runs WHERE id = ANY(${jobIds}::bigint[]) AND finished_at IS NOT NULL`;
  return new Set(rows.map((r) => r.id));
}

/**
 * Ends every unfinished job whose tasks have all ended: the reaper's sweep for a job whose last task's
 * worker died between its commit and its settlement and whose message is gone (a killed local run).
 * Reads the few unfinished jobs only (job_runs_unfinished_idx).
 * @returns the jobs it ended.
 */
export async function settleAbandonedJobs(sql: Sql): Promise<number[]> {
  const rows = await sql.unsafe<{ id: number }[]>(SETTLE('true'));
  return rows.map((r) => r.id);
}
