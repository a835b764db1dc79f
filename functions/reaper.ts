import { parsePayload, withObservability } from '#shared/aws/handler-kit.ts';
import { pipelineDeps } from '#shared/aws/lambda-deps.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import * as z from '#shared/domain/zod.ts';
import { reapOverdueTasks } from '#shared/usecases/reap-tasks.ts';

const env = lambdaEnv(FUNCTION_ENV.reaper);

/**
 * Scheduled every 30 minutes with payload `{}`: fails the tasks nobody will finish (a crash during
 * fan-out, a lost message), so their jobs end, are announced and alert, and can be retried.
 */
export const handler = withObservability(async (event: unknown) => {
  parsePayload('reaper', z.strictObject({}), event);
  const { running, pending } = await reapOverdueTasks(await pipelineDeps(env));
  return {
    runningReaped: running.tasks,
    pendingReaped: pending.tasks,
    finishedJobIds: [...new Set([...running.finishedJobIds, ...pending.finishedJobIds])],
  };
});
