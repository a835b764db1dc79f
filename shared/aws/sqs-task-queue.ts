import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { OutgoingMessage, SendFailure, TaskQueue } from '#shared/queue/task-queue.ts';

/** The ingest queue on SQS. */
export function createSqsTaskQueue(client: SQSClient, queueUrl: string): TaskQueue {
  return {
    async sendBatch(messages: readonly OutgoingMessage[]) {
      const result = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m) => ({
            Id: m.id,
            MessageBody: JSON.stringify(m.body),
            DelaySeconds: m.delaySeconds,
          })),
        }),
      );
      const failures = (result.Failed ?? []).map(
        (f): SendFailure => ({
          id: f.Id ?? '',
          code: f.Code ?? 'unknown',
          senderFault: f.SenderFault === true,
          message: f.Message,
        }),
      );
      return { failedIds: failures.map((f) => f.id), failures };
    },
  };
}

/** SQS allows a visibility timeout of at most 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Puts a received message back for `seconds`: the task is retried later and not failed. Each delivery
 * still counts toward the queue's maxReceiveCount, so a task deferred that often is dead-lettered and
 * failed with its last noted reason.
 */
export async function deferMessage(
  client: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  seconds: number,
) {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds))),
    }),
  );
}
