import { cancelUnfinishedJob } from '#shared/db/job-endings.ts';
import { InputError } from '#shared/domain/errors.ts';
import type { JobRun } from '#shared/domain/job.ts';
import type { PipelineDeps } from './deps.ts';

export interface CancelJobResult {
  job: JobRun;
  tasksCancelled: number;
}

/**
 * `jobs cancel ID`: ends an unfinished job and its pending and running tasks as cancelled, and writes
 * nothing else (no bars, no event, no alert: a person ended it). Its queued messages are then skipped;
 * `backfill --retry-failed ID` re-runs the cancelled tasks later.
 * @throws InputError when the job does not exist or has already ended (nothing was changed then).
 */
export async function cancelJob(
  deps: Pick<PipelineDeps, 'sql' | 'log' | 'now'>,
  jobId: number,
): Promise<CancelJobResult> {
  const reason = `cancelled: by jobs cancel at ${deps.now().toISOString()}`;
  const result = await cancelUnfinishedJob(deps.sql, jobId, reason);
  if (!result.cancelled) {
    if (!result.job) throw new InputError(`cancel: job ${jobId} does not exist`);
    throw new InputError(`cancel: job ${jobId} has already ended (${result.job.status}); nothing to cancel`);
  }
  deps.log.warn('job cancelled', { jobId, tasksCancelled: result.tasksCancelled });
  return { job: result.job, tasksCancelled: result.tasksCancelled };
}
