import { failUnfinishedTasks, type UnfinishedSelector } from '#shared/db/job-endings.ts';
import type { MetricName } from '#shared/domain/ports.ts';
import type { PipelineDeps } from './deps.ts';
import { AnnouncementNotDeliveredError, announceJob } from './finish-job.ts';

export interface EndTasksResult {
  tasks: number;
  /** Jobs touched, and which of them this call finished (each announced like any job end). */
  jobIds: number[];
  finishedJobIds: number[];
}

/**
 * Ends work that will never be done by its worker: the selected unfinished tasks fail with `reason`,
 * an error line and a metric count them, and every job that ends by it is announced (JobFinished and
 * the failure alert that names `backfill --retry-failed`).
 */
export async function failAndAnnounce(
  deps: PipelineDeps,
  selector: UnfinishedSelector,
  reason: string,
  metric: Extract<MetricName, 'TasksReaped' | 'TasksInterrupted'>,
): Promise<EndTasksResult> {
  const ended = await failUnfinishedTasks(deps.sql, selector, reason);
  let tasks = 0;
  for (const [jobId, count] of ended.tasksByJob) {
    tasks += count;
    deps.log.error('unfinished tasks ended', { jobId, tasks: count, reason });
  }
  if (tasks > 0) deps.metrics.add(metric, tasks);
  for (const jobId of ended.finishedJobIds) {
    // One undeliverable alert must not keep the other jobs from being announced.
    await announceJob(deps, jobId).catch((error: unknown) => {
      if (!(error instanceof AnnouncementNotDeliveredError)) throw error;
      deps.log.error('job alert not delivered; the job stays unannounced', { jobId });
    });
  }
  return { tasks, jobIds: [...ended.tasksByJob.keys()], finishedJobIds: ended.finishedJobIds };
}
