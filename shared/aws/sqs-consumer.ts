import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import {
  type ConsumeOutcome,
  failureOf,
  PoisonMessageError,
  type ReceivedTaskMessage,
  reportFailedRecord,
} from '#shared/usecases/consume-outcome.ts';
import type { ConsumerPorts } from '#shared/usecases/consume-task.ts';

/** Every record of a batch failed (none deferred on purpose): the invocation fails, so it counts as an error. */
export class AllRecordsFailedError extends Error {
  override name = 'AllRecordsFailedError';
}

/** A record put back on purpose after a transient failure: SQS redelivers it after its delay. */
class RetryLater extends Error {
  override name = 'RetryLater';
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
  consume: (ports: ConsumerPorts, received: ReceivedTaskMessage) => Promise<ConsumeOutcome>;
  ports: ConsumerPorts;
  /** The queue a deferral re-sends to and a retry postpones on; a consumer that never defers has none. */
  queue?: RedeliveryQueue;
}

const processor = new BatchProcessor(EventType.SQS);

/**
 * Maps consumer outcomes onto an SQS batch with a partial batch response: done and defer (after the
 * re-send) are acknowledged; retry (after postponing the message), poison and error come back as batch
 * item failures. When every record failed for a reason other than a deliberate retry, throws
 * AllRecordsFailedError, so the Lambda's Errors metric and alarm see it.
 */
export async function consumeSqsBatch(
  event: SQSEvent,
  context: Context,
  consumer: SqsConsumer,
): Promise<SQSBatchResponse> {
  const failing: string[] = [];
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const received: ReceivedTaskMessage = {
      messageId: record.messageId,
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    };
    const outcome = await consumer.consume(consumer.ports, received);
    const onSqs = async (
      taskId: number,
      send: (queue: NonNullable<SqsConsumer['queue']>) => Promise<void>,
    ) => {
      try {
        if (!consumer.queue) throw new Error(`${consumer.name}: cannot defer a message without a queue`);
        await send(consumer.queue);
      } catch (error) {
        reportFailedRecord(consumer.ports, consumer.name, received, failureOf(error, taskId));
        failing.push(record.messageId);
        throw error;
      }
    };
    switch (outcome.kind) {
      case 'done':
        return;
      case 'defer':
        await onSqs(outcome.taskId, (q) => q.resend(outcome.message, outcome.delaySeconds));
        return;
      case 'retry':
        await onSqs(outcome.taskId, (q) => q.postpone(record.receiptHandle, outcome.delaySeconds));
        throw new RetryLater(`task ${outcome.taskId}: ${outcome.reason}; back in ${outcome.delaySeconds} s`);
      case 'poison':
        failing.push(record.messageId);
        throw new PoisonMessageError(outcome.code, outcome.reason);
      case 'error':
        failing.push(record.messageId);
        throw outcome.error;
    }
  };
  const response = await processPartialResponse(event, handleRecord, processor, {
    context,
    // Thrown below instead, where a batch of deliberate retries is told apart from one of failures.
    throwOnFullBatchFailure: false,
  });
  if (event.Records.length > 0 && failing.length === event.Records.length) {
    throw new AllRecordsFailedError(
      `${consumer.name}: all ${failing.length} records of the batch failed; each is logged with its messageId`,
    );
  }
  return response;
}
