import type { JobRun } from '#shared/domain/job.ts';
import type { Sql } from './client.ts';
import { settleAbandonedJobs, settleJobs } from './job-settlement.ts';
import { JOB_COLUMNS } from './jobs.ts';

/** Which unfinished tasks to end: all of some jobs', or those past a deadline (the reaper's). */
export type UnfinishedSelector =
  | { jobIds: readonly number[] }
  | { runningSilentSince: Date }
  | { pendingPlannedBefore: Date };

export interface EndedTasks {
  /** How many tasks this call ended, per job. */
  tasksByJob: Map<number, number>;
  /** Jobs this call ended (their last unfinished task, or one abandoned): each to be announced once. */
  finishedJobIds: number[];
}

/**
 * Fails the selected pending or running tasks with `reason`, then ends every job that has no unfinished
 * task left (settleJobs: partial_failure or failure, with its error summary, exactly as if its last task
 * had failed). A task that ends concurrently (its worker finished first) is left as it is and counted
 * once, by whoever ended it. With a job selector, every selected job is settled, also one whose tasks had
 * all ended already; the reaper's selectors also settle abandoned jobs (settleAbandonedJobs).
 */
export async function failUnfinishedTasks(
  sql: Sql,
  selector: UnfinishedSelector,
  reason: string,
): Promise<EndedTasks> {
  const rows = await sql<{ jobId: number; ended: number }[]>`
    WITH ended AS (
      UPDATE job_tasks SET status = 'failed', error = ${reason}, finished_at = now(), updated_at = now()
      WHERE status IN ('pending', 'running') AND ${where(sql, selector)}
      RETURNING job_id
    ), per_job AS (
      SELECT job_id, count(*)::int AS n FROM ended GROUP BY job_id
    ), started AS (
      UPDATE job_runs j SET status = 'running', started_at = coalesce(j.started_at, now()), updated_at = now()
      FROM per_job p WHERE j.id = p.job_id AND j.status = 'pending'
    )
    SELECT job_id, n AS ended FROM per_job`;
  const tasksByJob = new Map(rows.map((r) => [r.jobId, r.ended]));
  const jobIds =
    'jobIds' in selector ? [...new Set([...selector.jobIds, ...tasksByJob.keys()])] : [...tasksByJob.keys()];
  const settled = await settleJobs(sql, jobIds);
  const finished = settled.filter((s) => s.finishedNow).map((s) => s.jobId);
  const abandoned = 'jobIds' in selector ? [] : await settleAbandonedJobs(sql);
  return { tasksByJob, finishedJobIds: [...new Set([...finished, ...abandoned])] };
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
    // Counted after the tasks' update, which waited for any task ending meanwhile: the counts are final.
    const [job] = await tx.unsafe<JobRun[]>(
      `UPDATE job_runs SET status = 'cancelled', finished_at = now(), announced_at = now(), updated_at = now(),
         (tasks_succeeded, tasks_failed, rows_upserted) = (
           SELECT count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status = 'failed'),
                  coalesce(sum(rows_upserted), 0)
           FROM job_tasks WHERE job_id = $1)
       WHERE id = $1 AND finished_at IS NULL
       RETURNING ${JOB_COLUMNS}`,
      [jobId] as never[],
    );
    if (job) return { cancelled: true, job, tasksCancelled: tasks.length } as const;
    const [current] = await tx.unsafe<JobRun[]>(`SELECT ${JOB_COLUMNS} FROM job_progress WHERE id = $1`, [
      jobId,
    ] as never[]);
    return { cancelled: false, job: current } as const;
  }) as Promise<CancelResult>;
}
