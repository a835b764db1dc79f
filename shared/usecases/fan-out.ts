import type { Asset } from '#shared/db/assets.ts';
import { finishTask } from '#shared/db/jobs.ts';
import { daysBetween } from '#shared/domain/dates.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { ProviderName } from '#shared/providers/index.ts';
import { planStagger } from '#shared/queue/stagger.ts';
import { type OutgoingMessage, SEND_BATCH_SIZE } from '#shared/queue/task-queue.ts';
import type { PipelineDeps } from './deps.ts';
import { afterTaskFinished } from './finish-job.ts';

export interface FanOutResult {
  sent: number;
  /** Tasks that could not be enqueued: each is marked failed with the reason. */
  failed: number;
  /** Seconds from now until the last task may start. */
  makespanSeconds: number;
}

/** Upbit returns at most 200 candles per request. */
const UPBIT_PAGE = 200;
const CONCURRENT_SENDS = 8;

/**
 * Fan-out: one queue message per task, in batches of 10.
 * 1. Per provider, estimate each task's requests and plan start times within the provider's budget.
 * 2. Send each task with its delay (capped at the queue maximum) and its not-before time.
 * 3. Retry a rejected message once; a task that still cannot be enqueued is failed with the reason,
 *    so its job can finish.
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
  const failedIds = await sendAll(deps, messages);
  for (const id of failedIds) {
    const reason = 'could not enqueue the task: the queue rejected it twice';
    deps.log.error('task not enqueued', { jobId, taskId: Number(id) });
    const finished = await finishTask(deps.sql, Number(id), {
      status: 'failed',
      error: reason,
      rowsUpserted: 0,
    });
    await afterTaskFinished(deps, finished);
  }
  return {
    sent: messages.length - failedIds.length,
    failed: failedIds.length,
    makespanSeconds: (lastStart - start.getTime()) / 1000,
  };
}

function requestsFor(provider: ProviderName, task: JobTask): number {
  return provider === 'upbit' ? Math.ceil((daysBetween(task.rangeStart, task.rangeEnd) + 1) / UPBIT_PAGE) : 1;
}

async function sendAll(deps: PipelineDeps, messages: OutgoingMessage[]): Promise<string[]> {
  const batches: OutgoingMessage[][] = [];
  for (let i = 0; i < messages.length; i += SEND_BATCH_SIZE)
    batches.push(messages.slice(i, i + SEND_BATCH_SIZE));
  const failed: string[] = [];
  const sendOne = async (batch: OutgoingMessage[]) => {
    const first = await deps.queue.sendBatch(batch).catch(() => ({ failedIds: batch.map((m) => m.id) }));
    if (first.failedIds.length === 0) return;
    const retry = batch.filter((m) => first.failedIds.includes(m.id));
    const second = await deps.queue.sendBatch(retry).catch(() => ({ failedIds: retry.map((m) => m.id) }));
    failed.push(...second.failedIds);
  };
  for (let i = 0; i < batches.length; i += CONCURRENT_SENDS) {
    await Promise.all(batches.slice(i, i + CONCURRENT_SENDS).map(sendOne));
  }
  return failed;
}
