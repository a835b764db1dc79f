import { calendarPayloadSchema, parsePayload, withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { lambdaTaskQueue } from '#shared/aws/lambda-queue.ts';
import { collectMarket } from '#shared/usecases/plan-collection.ts';

const env = lambdaEnv(FUNCTION_ENV.collect);
const ports = { queue: lambdaTaskQueue(env.INGEST_QUEUE_URL) };

/** Scheduled per market (payload `{"calendar":"XNYS"}`): plans the last sessions and fans them out. */
export const handler = withObservability(async (event: unknown) => {
  const { calendar } = parsePayload('collect', calendarPayloadSchema, event);
  return collectMarket(await pipelineDeps(env, ports), calendar);
});
