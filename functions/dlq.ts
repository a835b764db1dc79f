import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { InputError } from '#shared/domain/errors.ts';
import { taskMessageSchema } from '#shared/queue/task-queue.ts';
import { deadLetterTask } from '#shared/usecases/dead-letter.ts';

const env = lambdaEnv(FUNCTION_ENV.dlq);
const processor = new BatchProcessor(EventType.SQS);

/**
 * Marks the task of each dead-lettered message failed so its job finishes. A message that is not a
 * task message is reported failed and stays in the DLQ, where its depth alarm brings a person to it.
 */
async function deadLetterRecord(record: SQSRecord): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    body = undefined;
  }
  const parsed = taskMessageSchema.safeParse(body);
  if (!parsed.success)
    throw new InputError(`dlq: message ${record.messageId} is not a task message; left in the DLQ`);
  await deadLetterTask(await pipelineDeps(env), parsed.data);
}

export const handler = withObservability((event: SQSEvent, context) =>
  processPartialResponse(event, deadLetterRecord, processor, {
    context,
    // A batch whose every record is deferred (one 429 pauses the whole provider) is not an error.
    throwOnFullBatchFailure: false,
  }),
);
