import { readFileSync } from 'node:fs';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDiscordAlerter } from '#shared/alerts/discord-alerter.ts';
import { ConfigError } from '#shared/config.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { checkConnection } from '#shared/db/connection-errors.ts';
import type { TlsSettings } from '#shared/db/tls.ts';
import { createProvider } from '#shared/providers/index.ts';
import { DEFAULT_SETTINGS, type PipelineDeps } from '#shared/usecases/deps.ts';
import { readDbCredentials } from './db-credentials.ts';
import { createEventBridgePublisher } from './eventbridge-publisher.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { emfMetrics, log } from './observability.ts';
import { createSqsTaskQueue } from './sqs-task-queue.ts';

/** SDK clients: created once per function instance, reused by every invocation. */
export const sqsClient = new SQSClient({});
export const eventBridgeClient = new EventBridgeClient({});
export const secretsClient = new SecretsManagerClient({});
const secrets = new SecretsProvider({ awsSdkV3Client: secretsClient });

/** The Discord secret is cached for 5 minutes: a pasted webhook URL is picked up without a call per alert. */
const SECRET_MAX_AGE_SECONDS = 300;

let sql: Promise<Sql> | undefined;

type DatabaseEnv = Pick<LambdaEnv, 'DB_SECRET_ARN'> & Partial<Pick<LambdaEnv, 'DB_TLS' | 'DB_CA_FILE'>>;

/**
 * The database client of this instance, from the RDS-generated secret, connected once before it is
 * returned. TLS verifies the chain and the host name by default (DB_TLS); every new connection of
 * the small pool reads the secret again, so a rotation never wedges a warm instance (db-credentials.ts).
 * @throws ConfigError in one line naming DB_TLS/DB_CA_FILE when TLS does not match the server.
 */
export function database(env: DatabaseEnv): Promise<Sql> {
  sql ??= (async () => {
    const credentials = await readDbCredentials(
      () => secrets.get(env.DB_SECRET_ARN, { forceFetch: true, transform: 'json' }),
      (error) =>
        log.warn('database secret could not be read again; connecting with the last password read', {
          error: error instanceof Error ? error.message : String(error),
        }),
    );
    const s = credentials.first;
    const url = `postgres://${encodeURIComponent(s.username)}@${s.host}:${s.port}/${s.dbname}`;
    const client = createSql(url, {
      max: 2,
      tls: lambdaTls(env),
      password: () => credentials.password(),
      applicationName: 'market-data-lambda',
      idleInTransactionTimeoutMs: 60_000,
    });
    await checkConnection(client, { host: s.host, port: s.port, configuredBy: 'DB_TLS' }).catch(
      async (error: unknown) => {
        await client.end({ timeout: 0 });
        throw error;
      },
    );
    return client;
  })().catch((error: unknown) => {
    sql = undefined; // the next invocation tries again
    throw error;
  });
  return sql;
}

/** DB_TLS as libpq's sslmode; with DB_CA_FILE the CAs in that file replace Node's store. */
function lambdaTls(env: DatabaseEnv): TlsSettings {
  const mode = env.DB_TLS ?? 'verify-full';
  if (!env.DB_CA_FILE) return { mode };
  try {
    return { mode, ca: readFileSync(env.DB_CA_FILE, 'utf8') };
  } catch (cause) {
    throw new ConfigError(
      `environment variable DB_CA_FILE: ${env.DB_CA_FILE.slice(0, 200)} cannot be read (${(cause as NodeJS.ErrnoException).code}); give a PEM file of the database's CA`,
      { cause },
    );
  }
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
