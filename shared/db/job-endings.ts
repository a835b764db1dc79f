import type { JobRun } from '#shared/domain/job.ts';
import type { Sql } from './client.ts';
import { JOB_COLUMNS, summariseFailures } from './jobs.ts';

/** Which unfinished tasks to end: all of some jobs', or those past a deadline (the reaper's). */
export type UnfinishedSelector =
  | { jobIds: readonly number[] }
  | { runningSilentSince: Date }
  | { pendingPlannedBefore: Date };

export interface EndedTasks {
  /** How many tasks this call ended, per job. */
  tasksByJob: Map<number, number>;
  /** Jobs whose last unfinished task this call ended: each to be announced once. */
  finishedJobIds: number[];
}

/**
 * Fails the selected pending or running tasks with `reason` and counts them on their jobs in one
 * statement; a job whose tasks have now all ended gets its final status (partial_failure or failure)
 * and its error summary, exactly as if its last task had failed. A task that ends concurrently (its
 * worker finished first) is left as it is and counted once, by whoever ended it.
 */
export async function failUnfinishedTasks(
  sql: Sql,
  selector: UnfinishedSelector,
  reason: string,
): Promise<EndedTasks> {
  const rows = await sql<{ id: number; ended: number; finishedNow: boolean }[]>`
    WITH ended AS (
      UPDATE job_tasks SET status = 'failed', error = ${reason}, finished_at = now(), updated_at = now()
      WHERE status IN ('pending', 'running') AND ${where(sql, selector)}
      RETURNING job_id
    ), per_job AS (
      SELECT job_id, count(*)::int AS n FROM ended GROUP BY job_id
    )
    UPDATE job_runs j SET
      tasks_failed = j.tasks_failed + p.n,
      status = CASE
        WHEN j.tasks_succeeded + j.tasks_failed + p.n < j.tasks_total THEN
          CASE WHEN j.status = 'pending' THEN 'running' ELSE j.status END
        WHEN j.tasks_succeeded = 0 THEN 'failure'
        ELSE 'partial_failure' END,
      finished_at = CASE WHEN j.tasks_succeeded + j.tasks_failed + p.n = j.tasks_total THEN now() END,
      started_at = coalesce(j.started_at, now()),
      updated_at = now()
    FROM per_job p WHERE j.id = p.job_id
    RETURNING j.id, p.n AS ended, j.finished_at IS NOT NULL AS finished_now`;
  const finishedJobIds = rows.filter((r) => r.finishedNow).map((r) => r.id);
  for (const id of finishedJobIds) await summariseFailures(sql, id);
  return { tasksByJob: new Map(rows.map((r) => [r.id, r.ended])), finishedJobIds };
}

function where(sql: Sql, selector: UnfinishedSelector) {
  if ('jobIds' in selector) return sql`job_id = ANY(${selector.jobIds as number[]}::bigint[])`;
  if ('runningSilentSince' in selector)
    return sql`status = 'running' AND updated_at < ${selector.runningSilentSince}`;
  return sql`status = 'pending' AND coalesce(not_before, created_at) < ${selector.pendingPlannedBefore}`;
}

export type CancelResult =
  | { cancelled: true; job: JobRun; tasksCancelled: number }
  | { cancelled: false; job: JobRun | undefined };

/**
 * Ends a job that has not finished as cancelled: its pending and running tasks become cancelled, the
 * job cancelled and marked announced (a person ended it; nobody is alerted, no event is published).
 * Messages still queued for it are then skipped as already ended; an ingest in flight rolls its bars
 * back when it finds its task ended. Tasks first, then the job row: the order every finisher locks in.
 * @returns cancelled false with the job as it is when it had already ended (or undefined: no such job).
 */
export async function cancelUnfinishedJob(sql: Sql, jobId: number, reason: string): Promise<CancelResult> {
  return sql.begin(async (tx) => {
    const tasks = await tx`
      UPDATE job_tasks SET status = 'cancelled', error = ${reason}, finished_at = now(), updated_at = now()
      WHERE job_id = ${jobId} AND status IN ('pending', 'running')
        AND EXISTS (SELECT 1 FROM job_runs WHERE id = ${jobId} AND finished_at IS NULL)
      RETURNING id`;
    const [job] = await tx.unsafe<JobRun[]>(
      `UPDATE job_runs SET status = 'cancelled', finished_at = now(), announced_at = now(), updated_at = now()
       WHERE id = $1 AND finished_at IS NULL
       RETURNING ${JOB_COLUMNS}`,
      [jobId] as never[],
    );
    if (job) return { cancelled: true, job, tasksCancelled: tasks.length } as const;
    const [current] = await tx.unsafe<JobRun[]>(`SELECT ${JOB_COLUMNS} FROM job_runs WHERE id = $1`, [
      jobId,
    ] as never[]);
    return { cancelled: false, job: current } as const;
  }) as Promise<CancelResult>;
}
