import { SQSClient } from '@aws-sdk/client-sqs';
import type { TaskQueue } from '#shared/queue/task-queue.ts';
import type { RedeliveryQueue } from './sqs-consumer.ts';
import { createSqsTaskQueue, deferMessage, resendMessage } from './sqs-task-queue.ts';

/**
 * The SQS client, created once per instance, in the module of the functions that send to the ingest
 * queue (collect, backfill, freshness, ingest): the others' bundles carry no SQS client at all.
 */
export const sqsClient = new SQSClient({});

/** The ingest queue at `url`, for pipelineDeps. */
export function lambdaTaskQueue(url: string): TaskQueue {
  return createSqsTaskQueue(sqsClient, url);
}

/** The ingest queue at `url` as the ingest consumer defers and retries on it. */
export function lambdaRedelivery(url: string): RedeliveryQueue {
  return {
    resend: (message, delaySeconds) => resendMessage(sqsClient, url, message, delaySeconds),
    postpone: (receiptHandle, delaySeconds) => deferMessage(sqsClient, url, receiptHandle, delaySeconds),
  };
}
