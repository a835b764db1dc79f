import { withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { lambdaTaskQueue } from '#shared/aws/lambda-queue.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';

const env = lambdaEnv(FUNCTION_ENV.backfill);
const ports = { queue: lambdaTaskQueue(env.INGEST_QUEUE_URL) };

/**
 * Invoked with `{ start, end, assets?, dryRun?, skipExisting?, retryFailedOf? }`. Returns the job id
 * and the plan. Bad input throws an InputError (the invocation fails with its one-line message) and
 * nothing is written or enqueued.
 */
export const handler = withObservability(async (event: unknown) =>
  planBackfill(await pipelineDeps(env, ports), event),
);
