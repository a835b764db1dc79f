import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import {
  type ConsumeOutcome,
  failureOf,
  type ReceivedTaskMessage,
  reportFailedRecord,
} from '#shared/usecases/consume-outcome.ts';
import type { ConsumerPorts } from '#shared/usecases/consume-task.ts';
import type { WriteGroup } from '#shared/usecases/task-writes.ts';

/** Every record of a batch failed (none deferred on purpose): the invocation fails, so it counts as an error. */
export class AllRecordsFailedError extends Error {
  override name = 'AllRecordsFailedError';
}

/**
 * What a consumer that defers or retries does on its queue (lambda-queue.ts binds it to SQS): given as
 * functions, so that a consumer that never defers (the DLQ) bundles no SQS command.
 */
export interface RedeliveryQueue {
  /** Sends the task's message again, due in `delaySeconds` (sqs-task-queue.ts resendMessage). */
  resend(message: TaskMessage, delaySeconds: number): Promise<void>;
  /** Puts the received message back for `delaySeconds` (sqs-task-queue.ts deferMessage). */
  postpone(receiptHandle: string, delaySeconds: number): Promise<void>;
}

export interface SqsConsumer {
  name: 'ingest' | 'dead-letter';
  consume: (
    ports: ConsumerPorts,
    received: ReceivedTaskMessage,
    batch?: WriteGroup,
  ) => Promise<ConsumeOutcome>;
  /** The ingest's: its batch's records, processed concurrently, share one transaction (WriteGroup). */
  writeGroup?: (size: number) => WriteGroup;
  ports: ConsumerPorts;
  /** The queue a deferral re-sends to and a retry postpones on; a consumer that never defers has none. */
  queue?: RedeliveryQueue;
}

/**
 * Maps consumer outcomes onto an SQS batch with a partial batch response: done and defer (after the
 * re-send) are acknowledged; retry (after postponing the message), poison and error come back as batch
 * item failures. When every record failed for a reason other than a deliberate retry, throws
 * AllRecordsFailedError, so the Lambda's Errors metric and alarm see it.
 * Every record of the batch runs at once: the ingest's write group commits when each of them has
 * written or left, so none may wait for another to finish. (Powertools' batch processor did this loop
 * before the write group; its parallel mode was an option the group would have depended on, and the
 * outcomes and failures were already this function's.)
 */
export async function consumeSqsBatch(event: SQSEvent, consumer: SqsConsumer): Promise<SQSBatchResponse> {
  const failing: string[] = [];
  const batch = consumer.writeGroup?.(event.Records.length);
  const handleRecord = async (record: SQSRecord): Promise<boolean> => {
    const received: ReceivedTaskMessage = {
      messageId: record.messageId,
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    };
    const outcome = await consumer.consume(consumer.ports, received, batch);
    const onSqs = async (
      taskId: number,
      send: (queue: NonNullable<SqsConsumer['queue']>) => Promise<void>,
    ): Promise<boolean> => {
      try {
        if (!consumer.queue) throw new Error(`${consumer.name}: cannot defer a message without a queue`);
        await send(consumer.queue);
        return true;
      } catch (error) {
        reportFailedRecord(consumer.ports, consumer.name, received, failureOf(error, taskId));
        failing.push(record.messageId);
        return false;
      }
    };
    switch (outcome.kind) {
      case 'done':
        return true;
      case 'defer':
        return onSqs(outcome.taskId, (q) => q.resend(outcome.message, outcome.delaySeconds));
      case 'retry':
        // Back in its delay, as a batch item failure (it counts a receive).
        await onSqs(outcome.taskId, (q) => q.postpone(record.receiptHandle, outcome.delaySeconds));
        return false;
      case 'poison':
      case 'error':
        failing.push(record.messageId);
        return false;
    }
  };
  // A record whose handling throws after all (a record without its attributes) fails alone, logged
  // and counted like any other failed record.
  const handled = (record: SQSRecord) =>
    handleRecord(record).catch((error: unknown) => {
      const received = { messageId: record.messageId, body: record.body, receiveCount: 1 };
      reportFailedRecord(consumer.ports, consumer.name, received, failureOf(error));
      failing.push(record.messageId);
      return false;
    });
  const acknowledged = await Promise.all(event.Records.map(handled));
  if (event.Records.length > 0 && failing.length === event.Records.length) {
    throw new AllRecordsFailedError(
      `${consumer.name}: all ${failing.length} records of the batch failed; each is logged with its messageId`,
    );
  }
  return {
    batchItemFailures: event.Records.filter((_, i) => !acknowledged[i]).map((r) => ({
      itemIdentifier: r.messageId,
    })),
  };
}
