import type { Sql } from '#shared/db/client.ts';
import { JobNotFoundError } from '#shared/db/errors.ts';
import { getTask } from '#shared/db/jobs.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import { PoisonMessageError } from './consume-outcome.ts';

/**
 * The task a message names, checked against the job the message names: the pair is checked before any
 * write, so a message for the wrong job changes nothing.
 * @throws PoisonMessageError (unknown-task) when no task has the id, (wrong-job) when it is another job's.
 */
export async function taskOfMessage(sql: Sql, message: TaskMessage, consumer: string): Promise<JobTask> {
  const task = await getTask(sql, message.taskId).catch((error: unknown) => {
    if (error instanceof JobNotFoundError)
      throw new PoisonMessageError('unknown-task', `${consumer}: task ${message.taskId} does not exist`);
    throw error;
  });
  if (task.jobId !== message.jobId) {
    throw new PoisonMessageError(
      'wrong-job',
      `${consumer}: task ${task.id} belongs to job ${task.jobId}, not to job ${message.jobId}; nothing changed`,
    );
  }
  return task;
}
