import { parsePayload, withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { lambdaTaskQueue } from '#shared/aws/lambda-queue.ts';
import * as z from '#shared/domain/zod.ts';
import { checkFreshness } from '#shared/usecases/freshness.ts';

const env = lambdaEnv(FUNCTION_ENV.freshness);
// A repair job (AUTO_REPAIR) fans its tasks out to the ingest queue.
const ports = { queue: lambdaTaskQueue(env.INGEST_QUEUE_URL) };

/** Scheduled daily with payload `{}`: OK/STALE per asset, one alert for the stale ones, a metric. */
export const handler = withObservability(async (event: unknown) => {
  parsePayload('freshness', z.strictObject({}), event);
  const report = await checkFreshness(await pipelineDeps(env, ports));
  return {
    ok: report.ok,
    stale: report.stale,
    suspectedDelisted: report.suspectedDelisted,
    repairJobId: report.repairJobId,
    stale_assets: report.assets.filter((a) => a.status === 'STALE'),
  };
});
