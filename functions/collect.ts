import { calendarPayloadSchema, parsePayload, withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { lambdaEnv } from '#shared/aws/lambda-env.ts';
import { collectMarket } from '#shared/usecases/plan-collection.ts';

const env = lambdaEnv([
  'DB_SECRET_ARN',
  'DB_TLS',
  'INGEST_QUEUE_URL',
  'EVENT_BUS_NAME',
  'DISCORD_WEBHOOK_SECRET_ARN',
  'AUTO_REPAIR',
]);

/** Scheduled per market (payload `{"calendar":"XNYS"}`): plans the last sessions and fans them out. */
export const handler = withObservability(async (event: unknown) => {
  const { calendar } = parsePayload('collect', calendarPayloadSchema, event);
  return collectMarket(await pipelineDeps(env), calendar);
});
