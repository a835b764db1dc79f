import { readAnalystLogin } from '#shared/aws/analyst-secret.ts';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { database } from '#shared/aws/lambda-database.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { log } from '#shared/aws/observability.ts';
import { parseSchemaMigrationRequest } from '#shared/aws/schema-migration-request.ts';
import { hashMigrations } from '#shared/db/migrations-hash.ts';
import { answerSchemaMigration } from '#shared/usecases/answer-schema-migration.ts';
import { provisionAnalystLogin } from '#shared/usecases/provision-analyst-login.ts';

const env = lambdaEnv(FUNCTION_ENV.migrate);
const bundledHash = hashMigrations(env.MIGRATIONS_DIR);
const analystSecretArn = env.ANALYST_SECRET_ARN;
const afterMigrating = analystSecretArn
  ? provisionAnalystLogin(() => readAnalystLogin(analystSecretArn), log)
  : undefined;

/**
 * The deploy-time custom resource (CDK Provider framework): applies pending migrations and syncs the
 * asset universe on Create and Update, then creates or updates the analyst login from its secret;
 * applies nothing on a rollback or Delete
 * (shared/usecases/answer-schema-migration.ts). A failure throws; the Provider reports FAILED with the
 * message, and the deployment stops before anything runs against an unmigrated schema.
 */
export const handler = withObservability(async (event: unknown) =>
  answerSchemaMigration(parseSchemaMigrationRequest(event), {
    database: () => database(env),
    migrationsDir: env.MIGRATIONS_DIR,
    bundledHash,
    afterMigrating,
    log,
  }),
);
