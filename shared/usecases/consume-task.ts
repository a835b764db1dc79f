import { readTaskMessage } from '#shared/queue/task-queue.ts';
import {
  type ConsumeOutcome,
  type FailureReporting,
  failureOf,
  type ReceivedTaskMessage,
  reportFailedRecord,
} from './consume-outcome.ts';
import { deadLetterTask } from './dead-letter.ts';
import type { PipelineDeps } from './deps.ts';
import { ingestTask } from './ingest-task.ts';
import type { TaskWriter, WriteGroup } from './task-writes.ts';

/** What a consumer needs: the pipeline (built lazily: building it can fail) and where failures go. */
export interface ConsumerPorts extends FailureReporting {
  deps: () => Promise<PipelineDeps>;
}

/**
 * Consumes one ingest message; the one place that maps ingestion onto queue outcomes, for the ingest
 * Lambda and the local runtime alike.
 * 1. Read the body as a task message; anything else is poison (unreadable).
 * 2. Ingest it: done (also for a redelivery of an ended task), defer (not yet due, rate-limited: re-sent
 *    as a new message), retry (transient failure: the same message later).
 * 3. An unknown task or another job's task is poison; any other error (database down, secret denied,
 *    a provider reply that throws) is an error to redeliver. Both are logged and counted here.
 * `batch`: the write group of the batch the message came in (see WriteGroup); this message is one of
 * its members, and leaves it however it ends. Never throws.
 */
export async function consumeTask(
  ports: ConsumerPorts,
  received: ReceivedTaskMessage,
  batch?: WriteGroup,
): Promise<ConsumeOutcome> {
  const member = batch?.member();
  try {
    return await consumeTaskIn(ports, received, member);
  } finally {
    member?.leave();
  }
}

async function consumeTaskIn(
  ports: ConsumerPorts,
  received: ReceivedTaskMessage,
  writer: TaskWriter | undefined,
): Promise<ConsumeOutcome> {
  const read = readTaskMessage(received.body);
  if ('problem' in read) {
    return failed(ports, 'ingest', received, {
      kind: 'poison',
      code: 'unreadable',
      reason: `ingest: message ${received.messageId} is not a task message: ${read.problem}`,
    });
  }
  const { message } = read;
  try {
    const result = await ingestTask(await ports.deps(), message, received.receiveCount, writer);
    switch (result.kind) {
      case 'done':
      case 'skipped':
        return { kind: 'done', taskId: message.taskId };
      case 'defer':
        return {
          kind: 'defer',
          taskId: message.taskId,
          message,
          delaySeconds: result.delaySeconds,
          reason: result.reason,
        };
      case 'retry':
        return {
          kind: 'retry',
          taskId: message.taskId,
          delaySeconds: result.delaySeconds,
          reason: result.reason,
        };
    }
  } catch (error) {
    return failed(ports, 'ingest', received, failureOf(error, message.taskId));
  }
}

/**
 * Consumes one dead-lettered message: its task is marked failed so its job finishes (done). A body that
 * is not a task message, an unknown task or another job's task is poison (nothing changed); any other
 * error is redelivered. Both are logged and counted. Never throws.
 */
export async function consumeDeadLetter(
  ports: ConsumerPorts,
  received: ReceivedTaskMessage,
): Promise<ConsumeOutcome> {
  const read = readTaskMessage(received.body);
  if ('problem' in read) {
    return failed(ports, 'dead-letter', received, {
      kind: 'poison',
      code: 'unreadable',
      reason: `dlq: message ${received.messageId} is not a task message (${read.problem}); left in the DLQ`,
    });
  }
  try {
    await deadLetterTask(await ports.deps(), read.message);
    return { kind: 'done', taskId: read.message.taskId };
  } catch (error) {
    return failed(ports, 'dead-letter', received, failureOf(error, read.message.taskId));
  }
}

function failed(
  ports: FailureReporting,
  consumer: 'ingest' | 'dead-letter',
  received: ReceivedTaskMessage,
  failure: Extract<ConsumeOutcome, { kind: 'poison' | 'error' }>,
): ConsumeOutcome {
  reportFailedRecord(ports, consumer, received, failure);
  return failure;
}
