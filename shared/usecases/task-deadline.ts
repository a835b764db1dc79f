import { noteTaskRetry } from '#shared/db/jobs.ts';
import { withDeadline } from '#shared/domain/deadline.ts';
import type { PipelineDeps } from './deps.ts';

/**
 * How long one task may take before its message is given up to redelivery: below the ingest
 * function's 2-minute timeout with room for what comes before and after it in one invocation (a cold
 * start's first login may take 25 s, noting the deadline 5 s, the SQS call a few), so that the batch
 * response still reports the record as failed.
 */
export const DEFAULT_TASK_DEADLINE_MS = 75_000;

/** How long noting the deadline on the task may take: the database may be what is stuck. */
const NOTE_TIMEOUT_MS = 5_000;

/** A task ran past its deadline (a stuck database or provider step); its message is redelivered. */
export class TaskDeadlineError extends Error {
  override name = 'TaskDeadlineError';
}

type TaskWork<A extends unknown[], R> = (
  deps: PipelineDeps,
  message: { taskId: number; jobId: number },
  ...rest: A
) => Promise<R>;

/**
 * `work` with a deadline of `deps.settings.taskDeadlineMs` (DEFAULT_TASK_DEADLINE_MS when unset).
 * Why: postgres.js can loop reconnecting without end when a server closes during start-up (issues
 * 1179/1193), and a provider can trickle a body; without a deadline the function times out with
 * nothing recorded. Past the deadline the call rejects with TaskDeadlineError, logged, counted
 * (TaskDeadlineExceeded) and noted on the task when the database answers within a few seconds; the
 * task is not ended, so the redelivered message runs it again.
 * The stuck step is abandoned, not cancelled: whatever it writes later is guarded like any second
 * delivery (a task ends once; upserts are idempotent).
 */
export function withTaskDeadline<A extends unknown[], R>(work: TaskWork<A, R>): TaskWork<A, R> {
  return async (deps, message, ...rest) => {
    const deadlineMs = deps.settings.taskDeadlineMs ?? DEFAULT_TASK_DEADLINE_MS;
    try {
      return await withDeadline(
        work(deps, message, ...rest),
        deadlineMs,
        () =>
          new TaskDeadlineError(
            `ingest: task ${message.taskId} of job ${message.jobId} ran past its ${deadlineMs} ms deadline; its message is redelivered`,
          ),
      );
    } catch (error) {
      if (error instanceof TaskDeadlineError) {
        deps.metrics.add('TaskDeadlineExceeded', 1);
        deps.log.error('task deadline passed', { taskId: message.taskId, jobId: message.jobId, deadlineMs });
        await noteWithin(deps, message.taskId, error.message);
      }
      throw error;
    }
  };
}

/** Best effort: the reason on the task, unless the database does not answer in NOTE_TIMEOUT_MS. */
async function noteWithin(deps: PipelineDeps, taskId: number, reason: string): Promise<void> {
  const noted = noteTaskRetry(deps.sql, taskId, reason).catch((error: unknown) => {
    deps.log.warn('task deadline not noted on the task', { taskId, error: (error as Error).message });
  });
  // The database may be what is stuck: give up on the note rather than hold the delivery.
  await withDeadline(noted, NOTE_TIMEOUT_MS, () => new Error('note timed out')).catch(() => {});
}
