import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { log } from '#shared/aws/observability.ts';
import { InputError } from '#shared/domain/errors.ts';
import { readTaskMessage } from '#shared/queue/task-queue.ts';
import { deadLetterTask } from '#shared/usecases/dead-letter.ts';

const env = lambdaEnv(FUNCTION_ENV.dlq);
const processor = new BatchProcessor(EventType.SQS);

/**
 * Marks the task of each dead-lettered message failed so its job finishes. A message that is not a
 * task message is reported failed and stays in the DLQ, where its depth alarm brings a person to it.
 */
async function deadLetterRecord(record: SQSRecord): Promise<void> {
  const read = readTaskMessage(record.body);
  if ('problem' in read) {
    log.warn('dead letter is not a task message; left in the DLQ', {
      messageId: record.messageId,
      problem: read.problem,
    });
    throw new InputError(
      `dlq: message ${record.messageId} is not a task message (${read.problem}); left in the DLQ`,
    );
  }
  await deadLetterTask(await pipelineDeps(env), read.message);
}

export const handler = withObservability((event: SQSEvent, context) =>
  processPartialResponse(event, deadLetterRecord, processor, {
    context,
    // A batch whose every record is deferred (one 429 pauses the whole provider) is not an error.
    throwOnFullBatchFailure: false,
  }),
);
