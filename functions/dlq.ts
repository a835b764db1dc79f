import type { SQSEvent } from 'aws-lambda';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { emfMetrics, log } from '#shared/aws/observability.ts';
import { consumeSqsBatch } from '#shared/aws/sqs-consumer.ts';
import { consumeDeadLetter } from '#shared/usecases/consume-task.ts';

const env = lambdaEnv(FUNCTION_ENV.dlq);
const ports = { deps: () => pipelineDeps(env), log, metrics: emfMetrics };

/**
 * Marks the task of each dead-lettered message failed so its job finishes. A message that cannot be
 * (not a task message, unknown task, another job's) is reported failed and stays in the DLQ, where its
 * depth alarm brings a person to it.
 */
export const handler = withObservability((event: SQSEvent) =>
  consumeSqsBatch(event, { name: 'dead-letter', consume: consumeDeadLetter, ports }),
);
