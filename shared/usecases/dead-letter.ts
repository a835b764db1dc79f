import { finishTask } from '#shared/db/jobs.ts';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import type { PipelineDeps } from './deps.ts';
import { AnnouncementNotDeliveredError, announceJob } from './finish-job.ts';
import { taskOfMessage } from './task-of-message.ts';

/**
 * A task whose message dead-lettered.
 * 1. Mark it failed, keeping the last error it recorded, so its job can finish (no job stays running).
 * 2. If that ended the job: events and alerts as for any last task. An alert still undeliverable here
 *    is given up: the message has had all its deliveries; the job stays unannounced (announced_at is
 *    null, AnnouncementsFailed counted, logged) rather than the dead-letter queue holding it for ever.
 * A task that had already ended is left as it is.
 * @throws PoisonMessageError when the task does not exist or is not the message's job's (nothing changed).
 */
export async function deadLetterTask(deps: PipelineDeps, message: TaskMessage): Promise<boolean> {
  const task = await taskOfMessage(deps.sql, message, 'dlq');
  const lastError = task.error ? `; last error: ${task.error}` : '';
  const finished = await finishTask(deps.sql, task.id, {
    status: 'failed',
    error: `dead-lettered: delivered the queue's maximum number of times without finishing${lastError}`,
    rowsUpserted: 0,
  });
  if (finished) {
    deps.metrics.add('TasksFailed', 1, { Reason: 'dead-letter' });
    deps.log.error('task dead-lettered', { taskId: task.id, jobId: task.jobId, lastError: task.error });
  }
  // Also when the task had already ended: its job may have finished without being announced.
  await announceJob(deps, task.jobId).catch((error: unknown) => {
    if (!(error instanceof AnnouncementNotDeliveredError)) throw error;
    deps.log.error('job alert given up: its message used every delivery', { jobId: task.jobId });
  });
  return finished !== undefined;
}
