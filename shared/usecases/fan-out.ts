import type { Asset } from '#shared/db/assets.ts';
import { finishTask } from '#shared/db/jobs.ts';
import { daysBetween } from '#shared/domain/dates.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { ProviderName } from '#shared/providers/index.ts';
import { planStagger } from '#shared/queue/stagger.ts';
import type { OutgoingMessage } from '#shared/queue/task-queue.ts';
import type { PipelineDeps } from './deps.ts';
import { AnnouncementNotDeliveredError, afterTaskFinished } from './finish-job.ts';
import { notEnqueuedReason, sendTaskMessages } from './send-tasks.ts';

export interface FanOutResult {
  sent: number;
  /** Tasks that could not be enqueued: each is marked failed with the reason. */
  failed: number;
  /** Seconds from now until the last task may start. */
  makespanSeconds: number;
}

/** Upbit returns at most 200 candles per request. */
const UPBIT_PAGE = 200;

/**
 * Fan-out: one queue message per task, in batches of 10.
 * 1. Per provider, estimate each task's requests and plan start times within the provider's budget.
 * 2. Send each task with its delay (capped at the queue maximum) and its not-before time.
 * 3. Retry a rejected message once unless the queue called it a sender fault; a task that still cannot
 *    be enqueued is failed with the queue's code, so its job can finish.
 */
export async function fanOutTasks(
  deps: PipelineDeps,
  jobId: number,
  tasks: readonly JobTask[],
  assets: readonly Asset[],
): Promise<FanOutResult> {
  const start = deps.now();
  const providerOf = new Map(assets.map((a) => [a.id, a.provider]));
  const messages: OutgoingMessage[] = [];
  let lastStart = start.getTime();
  for (const provider of ['yahoo', 'upbit'] as const) {
    const mine = tasks.filter((t) => providerOf.get(t.assetId) === provider);
    const slots = planStagger({
      requestsPerTask: mine.map((t) => requestsFor(provider, t)),
      requestsPerSecond: deps.settings.providerBudgets[provider],
      start,
    });
    mine.forEach((task, i) => {
      const slot = slots[i];
      if (!slot) return;
      lastStart = Math.max(lastStart, slot.notBefore.getTime());
      messages.push({
        id: String(task.id),
        body: { taskId: task.id, jobId, notBefore: slot.notBefore.toISOString() },
        delaySeconds: slot.delaySeconds,
      });
    });
  }
  const failures = await sendTaskMessages(deps.queue, messages);
  for (const failure of failures) {
    const taskId = Number(failure.id);
    const reason = notEnqueuedReason(failure);
    const provider = providerOf.get(tasks.find((t) => t.id === taskId)?.assetId ?? -1) ?? 'unknown';
    deps.log.error('task not enqueued', {
      jobId,
      taskId,
      code: failure.code,
      senderFault: failure.senderFault,
      reason,
    });
    deps.metrics.add('TasksFailed', 1, { Provider: provider });
    const finished = await finishTask(deps.sql, taskId, { status: 'failed', error: reason, rowsUpserted: 0 });
    // The job stays unannounced (logged, counted); failing the fan-out would only re-plan the job.
    await afterTaskFinished(deps, finished).catch((error: unknown) => {
      if (!(error instanceof AnnouncementNotDeliveredError)) throw error;
    });
  }
  return {
    sent: messages.length - failures.length,
    failed: failures.length,
    makespanSeconds: (lastStart - start.getTime()) / 1000,
  };
}

function requestsFor(provider: ProviderName, task: JobTask): number {
  return provider === 'upbit' ? Math.ceil((daysBetween(task.rangeStart, task.rangeEnd) + 1) / UPBIT_PAGE) : 1;
}
