import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { createDiscordAlerter } from '#shared/alerts/discord-alerter.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { createProvider } from '#shared/providers/index.ts';
import { DEFAULT_SETTINGS, type PipelineDeps } from '#shared/usecases/deps.ts';
import { createEventBridgePublisher } from './eventbridge-publisher.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { emfMetrics, log } from './observability.ts';
import { createSqsTaskQueue } from './sqs-task-queue.ts';

/** SDK clients: created once per function instance, reused by every invocation. */
export const sqsClient = new SQSClient({});
export const eventBridgeClient = new EventBridgeClient({});
export const secretsClient = new SecretsManagerClient({});
const secrets = new SecretsProvider({ awsSdkV3Client: secretsClient });

/** Secrets are cached for 5 minutes: rotation is picked up without a call per invocation. */
const SECRET_MAX_AGE_SECONDS = 300;

const rdsSecretSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().positive(),
  username: z.string().min(1),
  password: z.string().min(1),
  dbname: z.string().min(1).default('postgres'),
});

let sql: Promise<Sql> | undefined;

/** The database client of this instance, from the RDS-generated secret (TLS; the pool is small on Lambda). */
export function database(
  env: Pick<LambdaEnv, 'DB_SECRET_ARN'> & Partial<Pick<LambdaEnv, 'DB_TLS'>>,
): Promise<Sql> {
  sql ??= (async () => {
    const raw = await secrets.get(env.DB_SECRET_ARN, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
    const s = rdsSecretSchema.parse(raw);
    const url = `postgres://${encodeURIComponent(s.username)}:${encodeURIComponent(s.password)}@${s.host}:${s.port}/${s.dbname}`;
    return createSql(url, {
      max: 2,
      tls: { mode: env.DB_TLS === 'disable' ? 'disable' : 'require' },
      applicationName: 'market-data-lambda',
    });
  })().catch((error: unknown) => {
    sql = undefined; // the next invocation tries again
    throw error;
  });
  return sql;
}

/** The Discord webhook URL, or undefined while the operator has not set it (alerts are then logged). */
export async function discordWebhook(arn: string): Promise<string | undefined> {
  const value = await secrets.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
  return typeof value === 'string' && value.startsWith('https://') ? value : undefined;
}

type DepsEnv = Pick<
  LambdaEnv,
  'DB_SECRET_ARN' | 'INGEST_QUEUE_URL' | 'EVENT_BUS_NAME' | 'DISCORD_WEBHOOK_SECRET_ARN' | 'AUTO_REPAIR'
> &
  Partial<Pick<LambdaEnv, 'DB_TLS' | 'YAHOO_BASE_URL' | 'UPBIT_BASE_URL' | 'MAX_BACKFILL_DAYS'>>;

let deps: Promise<PipelineDeps> | undefined;

/** Everything the use cases need, built once per instance. */
export function pipelineDeps(env: DepsEnv): Promise<PipelineDeps> {
  deps ??= database(env).then((db) => ({
    sql: db,
    queue: createSqsTaskQueue(sqsClient, env.INGEST_QUEUE_URL),
    providers: {
      yahoo: createProvider('yahoo', { baseUrl: env.YAHOO_BASE_URL }),
      upbit: createProvider('upbit', { baseUrl: env.UPBIT_BASE_URL }),
    },
    events: createEventBridgePublisher(eventBridgeClient, env.EVENT_BUS_NAME),
    alerter: createDiscordAlerter({ webhookUrl: () => discordWebhook(env.DISCORD_WEBHOOK_SECRET_ARN), log }),
    metrics: emfMetrics,
    log,
    now: () => new Date(),
    settings: {
      ...DEFAULT_SETTINGS,
      autoRepair: env.AUTO_REPAIR === 'true',
      ...(env.MAX_BACKFILL_DAYS ? { maxBackfillDays: env.MAX_BACKFILL_DAYS } : {}),
    },
  }));
  deps.catch(() => {
    deps = undefined;
  });
  return deps;
}

/** For tests: forget the cached client and dependencies. */
export function resetLambdaDeps(): void {
  sql = undefined;
  deps = undefined;
}
