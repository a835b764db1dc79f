import type { SQSEvent } from 'aws-lambda';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { lambdaProviders } from '#shared/aws/lambda-providers.ts';
import { lambdaRedelivery, lambdaTaskQueue } from '#shared/aws/lambda-queue.ts';
import { emfMetrics, log } from '#shared/aws/observability.ts';
import { consumeSqsBatch } from '#shared/aws/sqs-consumer.ts';
import { consumeTask } from '#shared/usecases/consume-task.ts';
import { WriteGroup } from '#shared/usecases/task-writes.ts';

const env = lambdaEnv(FUNCTION_ENV.ingest);
const wired = { queue: lambdaTaskQueue(env.INGEST_QUEUE_URL), providers: () => lambdaProviders(env) };
const ports = { deps: () => pipelineDeps(env, wired), log, metrics: emfMetrics };
const queue = lambdaRedelivery(env.INGEST_QUEUE_URL);

const writeGroup = (size: number) => new WriteGroup(size);

/**
 * SQS batches of ingest tasks, with a partial batch response: only failed records come back. A batch's
 * records run concurrently and share one transaction for their writes (WriteGroup).
 */
export const handler = withObservability((event: SQSEvent) =>
  consumeSqsBatch(event, { name: 'ingest', consume: consumeTask, ports, queue, writeGroup }),
);
