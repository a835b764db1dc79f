import { cleanText } from '#shared/domain/text.ts';
import {
  type OutgoingMessage,
  SEND_BATCH_SIZE,
  type SendFailure,
  type TaskQueue,
} from '#shared/queue/task-queue.ts';

const CONCURRENT_SENDS = 8;

/**
 * Sends `messages` in batches of 10, a few batches at a time. A message the queue refused is sent once
 * more unless the refusal was the sender's fault (SQS SenderFault: the same request fails the same
 * way); a batch that throws counts as refused for all its messages, with the error's name as code.
 * @returns the messages that were not enqueued, each with the queue's last reason. Never throws.
 */
export async function sendTaskMessages(
  queue: TaskQueue,
  messages: readonly OutgoingMessage[],
): Promise<SendFailure[]> {
  const batches: OutgoingMessage[][] = [];
  for (let i = 0; i < messages.length; i += SEND_BATCH_SIZE)
    batches.push(messages.slice(i, i + SEND_BATCH_SIZE));
  const failed: SendFailure[] = [];
  const sendOne = async (batch: OutgoingMessage[]) => {
    const first = await attempt(queue, batch);
    const retryable = new Set(first.filter((f) => !f.senderFault).map((f) => f.id));
    failed.push(...first.filter((f) => f.senderFault));
    if (retryable.size === 0) return;
    failed.push(
      ...(await attempt(
        queue,
        batch.filter((m) => retryable.has(m.id)),
      )),
    );
  };
  for (let i = 0; i < batches.length; i += CONCURRENT_SENDS) {
    await Promise.all(batches.slice(i, i + CONCURRENT_SENDS).map(sendOne));
  }
  return failed;
}

/** One SendMessageBatch: what it refused, with reasons (a queue that gives none: code "unknown"). */
async function attempt(queue: TaskQueue, batch: OutgoingMessage[]): Promise<SendFailure[]> {
  try {
    const result = await queue.sendBatch(batch);
    const known = new Map((result.failures ?? []).map((f) => [f.id, f]));
    return result.failedIds.map((id) => known.get(id) ?? { id, code: 'unknown', senderFault: false });
  } catch (error) {
    // The SDK has already retried what it deems retryable; a client fault it gave up on is final.
    const fault = (error as { $fault?: unknown }).$fault;
    const code = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    return batch.map((m) => ({ id: m.id, code, senderFault: fault === 'client', message }));
  }
}

/** What a task that could not be enqueued records as its error: one line with the queue's code. */
export function notEnqueuedReason(failure: SendFailure): string {
  const how = failure.senderFault ? "as the sender's fault, not retried" : 'twice';
  const known = failure.code !== 'unknown' || failure.message !== undefined;
  const why = known ? ` (${failure.code}${failure.message ? `: ${failure.message}` : ''})` : '';
  return cleanText(`could not enqueue the task: the queue rejected it ${how}${why}`);
}
