import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { JobKind, JobRun, JobTask, TaskOutcome } from '#shared/domain/job.ts';
import { cleanText } from '#shared/domain/text.ts';
import type { Sql } from './client.ts';
import { JobNotFoundError } from './errors.ts';
import { settleJobs } from './job-settlement.ts';

export interface NewTask {
  assetId: number;
  rangeStart: IsoDate;
  rangeEnd: IsoDate;
  /** Earliest instant the task may be fetched (plans longer than the queue's maximum delay). */
  notBefore?: Date;
}

export interface NewJob {
  kind: JobKind;
  market?: string;
  rangeStart: IsoDate;
  rangeEnd: IsoDate;
  assets: string[];
  request: Record<string, unknown>;
  tasks: NewTask[];
}

export const JOB_COLUMNS = `id, kind, status, market, range_start, range_end, assets, request, tasks_total, tasks_succeeded,
  tasks_failed, rows_upserted, error_summary, created_at, started_at, finished_at, updated_at`;

/**
 * Records a job and all its tasks in one transaction. A job with no tasks (everything already
 * complete) is finished at once with status success.
 */
export async function createJob(sql: Sql, job: NewJob): Promise<{ job: JobRun; tasks: JobTask[] }> {
  return sql.begin(async (tx) => {
    const [created] = await tx.unsafe<JobRun[]>(
      `INSERT INTO job_runs (kind, market, range_start, range_end, assets, request, tasks_total, status, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6::text::jsonb, $7::int,
               CASE WHEN $7::int = 0 THEN 'success' ELSE 'pending' END,
               CASE WHEN $7::int = 0 THEN now() END)
       RETURNING ${JOB_COLUMNS}`,
      [
        job.kind,
        job.market ?? null,
        job.rangeStart,
        job.rangeEnd,
        job.assets,
        JSON.stringify(job.request),
        job.tasks.length,
      ] as never[],
    );
    if (!created) throw new Error('job insert returned no row');
    const tasks = await tx.unsafe<JobTask[]>(
      `INSERT INTO job_tasks (job_id, asset_id, range_start, range_end, not_before)
       SELECT $1, * FROM unnest($2::int[], $3::date[], $4::date[], $5::timestamptz[])
       RETURNING id, job_id, asset_id, range_start, range_end, status, attempts, rows_upserted, warnings, error,
                 not_before, started_at, finished_at`,
      [
        created.id,
        job.tasks.map((t) => t.assetId),
        job.tasks.map((t) => t.rangeStart),
        job.tasks.map((t) => t.rangeEnd),
        job.tasks.map((t) => t.notBefore ?? null),
      ] as never[],
    );
    return { job: created, tasks };
  }) as Promise<{ job: JobRun; tasks: JobTask[] }>;
}

/**
 * Marks a task running and counts the attempt; the job turns running with its first task. The task must
 * belong to `jobId`: a message naming another job's task changes nothing.
 * @returns the task, or undefined when it has already ended (a redelivered message: nothing to do), does
 *   not exist or belongs to another job (the caller tells these apart with getTask).
 */
export async function startTask(sql: Sql, taskId: number, jobId: number): Promise<JobTask | undefined> {
  const [task] = await sql<JobTask[]>`
    WITH task AS (
      UPDATE job_tasks SET status = 'running', attempts = attempts + 1,
             started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = ${taskId} AND job_id = ${jobId} AND status IN ('pending', 'running')
      RETURNING *
    ), job AS (
      UPDATE job_runs SET status = 'running', started_at = now(), updated_at = now()
      WHERE id = (SELECT job_id FROM task) AND status = 'pending'
    )
    SELECT * FROM task`;
  return task;
}

export interface FinishTaskResult {
  jobId: number;
  /** True for exactly one caller: the one whose settlement ended the job (see settleJobs). */
  jobFinishedNow: boolean;
}

/**
 * Ends a task with its outcome: its own row only, so that the transaction that stored the task's bars
 * locks no row another task's transaction needs, and concurrent tasks' commits can share a WAL flush.
 * The job is not touched, except a pending one, which turns running (a task can end without having
 * started: not enqueued, reaped). Counters are the tasks' own (job_progress); the job ends in
 * settleJobs, which must run after this statement's transaction has committed.
 * @returns the task's job, or undefined when the task had already ended (it is never counted twice).
 */
export async function endTask(
  sql: Sql,
  taskId: number,
  outcome: TaskOutcome,
): Promise<{ jobId: number } | undefined> {
  // The last gate before provider text is stored: one line, no terminal escapes, bounded.
  const error = outcome.status === 'failed' ? cleanText(outcome.error) : null;
  const warnings = (outcome.warnings ?? []).map((w) => cleanText(w));
  const [ended] = await sql<{ jobId: number }[]>`
    WITH task AS (
      UPDATE job_tasks SET status = ${outcome.status}, rows_upserted = ${outcome.rowsUpserted},
             warnings = ${JSON.stringify(warnings)}::text::jsonb, error = ${error},
             finished_at = now(), updated_at = now()
      WHERE id = ${taskId} AND status IN ('pending', 'running')
      RETURNING job_id
    ), job AS (
      UPDATE job_runs SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = (SELECT job_id FROM task) AND status = 'pending'
    )
    SELECT job_id FROM task`;
  return ended;
}

/**
 * Ends a task and, if it was its job's last, the job: endTask then settleJobs, each committed on its
 * own. Not for use inside a transaction (the settlement would not see other tasks' commits in time).
 * @returns undefined when the task had already ended (it is never counted twice).
 */
export async function finishTask(
  sql: Sql,
  taskId: number,
  outcome: TaskOutcome,
): Promise<FinishTaskResult | undefined> {
  const ended = await endTask(sql, taskId, outcome);
  if (!ended) return undefined;
  const [settled] = await settleJobs(sql, [ended.jobId]);
  return { jobId: ended.jobId, jobFinishedNow: settled?.finishedNow ?? false };
}

/**
 * The job with its counts as of now: those of its tasks while it runs (job_progress, migration 0014).
 * @throws JobNotFoundError when no job has this id.
 */
export async function getJob(sql: Sql, jobId: number): Promise<JobRun> {
  const [job] = await sql.unsafe<JobRun[]>(`SELECT ${JOB_COLUMNS} FROM job_progress WHERE id = $1`, [
    jobId,
  ] as never[]);
  if (!job) throw new JobNotFoundError(`job ${jobId} does not exist`);
  return job;
}

/** Newest jobs first, with their counts as of now (as getJob). */
export async function listJobs(sql: Sql, limit = 20): Promise<JobRun[]> {
  return sql.unsafe<JobRun[]>(`SELECT ${JOB_COLUMNS} FROM job_progress ORDER BY id DESC LIMIT $1`, [
    limit,
  ] as never[]);
}

/** A job's tasks with their asset symbol, in asset then date order. */
export async function listTasks(sql: Sql, jobId: number): Promise<(JobTask & { symbol: string })[]> {
  return sql<(JobTask & { symbol: string })[]>`
    SELECT t.id, t.job_id, t.asset_id, a.symbol, t.range_start, t.range_end, t.status, t.attempts,
           t.rows_upserted, t.warnings, t.error, t.not_before, t.started_at, t.finished_at
    FROM job_tasks t JOIN assets a ON a.id = t.asset_id
    WHERE t.job_id = ${jobId}
    ORDER BY a.symbol, t.range_start`;
}

/** Notes why a running task is being retried later (rate limit, transient error) without ending it. */
export async function noteTaskRetry(sql: Sql, taskId: number, reason: string): Promise<void> {
  await sql`
    UPDATE job_tasks SET error = ${cleanText(reason)}, updated_at = now()
    WHERE id = ${taskId} AND status IN ('pending', 'running')`;
}

/** The tasks of a job that ended without success (failed or cancelled), to plan a retry of just those. */
export async function failedTasks(sql: Sql, jobId: number): Promise<JobTask[]> {
  return sql<JobTask[]>`
    SELECT id, job_id, asset_id, range_start, range_end, status, attempts, rows_upserted, warnings, error,
           not_before, started_at, finished_at
    FROM job_tasks WHERE job_id = ${jobId} AND status IN ('failed', 'cancelled')
    ORDER BY asset_id, range_start`;
}

/** @throws JobNotFoundError when no task has this id. */
export async function getTask(sql: Sql, taskId: number): Promise<JobTask> {
  const [task] = await sql<JobTask[]>`
    SELECT id, job_id, asset_id, range_start, range_end, status, attempts, rows_upserted, warnings, error,
           not_before, started_at, finished_at
    FROM job_tasks WHERE id = ${taskId}`;
  if (!task) throw new JobNotFoundError(`task ${taskId} does not exist`);
  return task;
}

/** How long a claimed announcement is held before another caller may take it over. */
export const ANNOUNCEMENT_LEASE_SECONDS = 300;

/**
 * Claims the announcement of a finished job for ANNOUNCEMENT_LEASE_SECONDS: returns it to one caller
 * at a time; undefined while it runs, while another caller holds the claim, or once it was announced
 * (markJobAnnounced). A claim whose holder died expires, so the announcement is made at least once.
 */
export async function claimJobAnnouncement(sql: Sql, jobId: number): Promise<JobRun | undefined> {
  const [job] = await sql.unsafe<JobRun[]>(
    `UPDATE job_runs SET announce_claimed_at = now()
     WHERE id = $1 AND finished_at IS NOT NULL AND announced_at IS NULL
       AND (announce_claimed_at IS NULL OR announce_claimed_at < now() - make_interval(secs => $2))
     RETURNING ${JOB_COLUMNS}`,
    [jobId, ANNOUNCEMENT_LEASE_SECONDS] as never[],
  );
  return job;
}

/** Records that a claimed job's events and alert went out: it is never announced again. */
export async function markJobAnnounced(sql: Sql, jobId: number): Promise<void> {
  await sql`UPDATE job_runs SET announced_at = now() WHERE id = ${jobId} AND announced_at IS NULL`;
}

/** Gives a claim back (its alert was not delivered), so the next caller announces the job at once. */
export async function releaseJobAnnouncement(sql: Sql, jobId: number): Promise<void> {
  await sql`UPDATE job_runs SET announce_claimed_at = NULL WHERE id = ${jobId} AND announced_at IS NULL`;
}
