import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps, sqsClient } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { log } from '#shared/aws/observability.ts';
import { deferMessage } from '#shared/aws/sqs-task-queue.ts';
import { InputError } from '#shared/domain/errors.ts';
import { readTaskMessage } from '#shared/queue/task-queue.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';

const env = lambdaEnv(FUNCTION_ENV.ingest);
const processor = new BatchProcessor(EventType.SQS);

/** Thrown to report a record as failed after putting it back for later: SQS then redelivers it. */
class RetryLater extends Error {
  override name = 'RetryLater';
}

async function ingestRecord(record: SQSRecord): Promise<void> {
  const read = readTaskMessage(record.body);
  if ('problem' in read) {
    log.warn('unreadable ingest message; it will reach the DLQ', {
      messageId: record.messageId,
      problem: read.problem,
    });
    throw new InputError(`ingest: message ${record.messageId} is not a task message: ${read.problem}`);
  }
  const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
  const result = await ingestTask(await pipelineDeps(env), read.message, receiveCount);
  if (result.kind === 'retry-later') {
    await deferMessage(sqsClient, env.INGEST_QUEUE_URL, record.receiptHandle, result.delaySeconds);
    throw new RetryLater(`task ${result.taskId}: ${result.reason}; back in ${result.delaySeconds} s`);
  }
}

/** SQS batches of ingest tasks, with a partial batch response: only failed records come back. */
export const handler = withObservability((event: SQSEvent, context) =>
  processPartialResponse(event, ingestRecord, processor, {
    context,
    // A batch whose every record is deferred (one 429 pauses the whole provider) is not an error.
    throwOnFullBatchFailure: false,
  }),
);
