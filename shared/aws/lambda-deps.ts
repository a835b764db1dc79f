import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDiscordAlerter } from '#shared/alerts/discord-alerter.ts';
import { createProvider } from '#shared/providers/index.ts';
import { DEFAULT_SETTINGS, type PipelineDeps } from '#shared/usecases/deps.ts';
import { createEventBridgePublisher } from './eventbridge-publisher.ts';
import { database } from './lambda-database.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { discordWebhook } from './lambda-secrets.ts';
import { emfMetrics, log } from './observability.ts';
import { createSqsTaskQueue } from './sqs-task-queue.ts';

/**
 * The pipeline's SDK clients, created once per function instance and reused by every invocation. Only
 * the functions that run the pipeline's use cases import this module; the notifier and migrate import
 * lambda-secrets.ts and lambda-database.ts alone, so their bundles carry neither client.
 */
export const sqsClient = new SQSClient({});
export const eventBridgeClient = new EventBridgeClient({});

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

/** For tests: forget the cached dependencies. */
export function resetLambdaDeps(): void {
  deps = undefined;
}
