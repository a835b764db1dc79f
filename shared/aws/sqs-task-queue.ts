import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { OutgoingMessage, SendFailure, TaskMessage, TaskQueue } from '#shared/queue/task-queue.ts';

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

/** SQS's largest DelaySeconds. */
const MAX_DELAY_SECONDS = 900;

/**
 * Sends a task's message again as a new message, due in `seconds` (at most SQS's 15 minutes; a message
 * that arrives before its notBefore is deferred again). The new message starts at receive count 0, so a
 * wait does not bring the task nearer to the dead-letter queue. The caller then acknowledges the original.
 * @throws the SDK's error when SQS refuses (the original is then not acknowledged and comes back).
 */
export async function resendMessage(
  client: SQSClient,
  queueUrl: string,
  message: TaskMessage,
  seconds: number,
): Promise<void> {
  await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds))),
    }),
  );
}

/**
 * Puts a received message back for `seconds` after a transient failure: the task is retried later and
 * not failed. Each delivery counts toward the queue's maxReceiveCount, so a task that keeps failing is
 * dead-lettered and failed with its last noted reason.
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
