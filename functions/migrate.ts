import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { database } from '#shared/aws/lambda-database.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { log } from '#shared/aws/observability.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';

const env = lambdaEnv(FUNCTION_ENV.migrate);

/**
 * The deploy-time custom resource (CDK Provider framework): on Create and Update, applies pending
 * migrations and syncs the asset universe. A failure throws, the Provider reports FAILED with the
 * message, and the deployment stops before anything runs against an unmigrated schema. Delete keeps
 * the schema: dropping data is never a side effect of a stack operation.
 */
export const handler = withObservability(async (event: CloudFormationCustomResourceEvent) => {
  const physicalId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : 'schema-migrations';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };
  const prepared = await prepareDatabase(await database(env), { migrationsDir: env.MIGRATIONS_DIR });
  log.info('database prepared', { ...prepared });
  return {
    PhysicalResourceId: physicalId,
    Data: { applied: prepared.appliedMigrations.join(',') || 'none', assetsChanged: prepared.assetsChanged },
  };
});
