import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDiscordAlerter } from '#shared/alerts/discord-alerter.ts';
import type { PriceProvider, ProviderName } from '#shared/providers/types.ts';
import type { TaskQueue } from '#shared/queue/task-queue.ts';
import { DEFAULT_SETTINGS, type PipelineDeps } from '#shared/usecases/deps.ts';
import { createEventBridgePublisher } from './eventbridge-publisher.ts';
import { database } from './lambda-database.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { discordWebhook } from './lambda-secrets.ts';
import { emfMetrics, log } from './observability.ts';

/**
 * The EventBridge client, created once per function instance: every pipeline function can finish a job
 * and announce it. The SQS client and the providers are wired in by the handlers that use them
 * (lambda-queue.ts, lambda-providers.ts), so a bundle carries only its own; the notifier and migrate
 * import lambda-secrets.ts and lambda-database.ts alone.
 */
export const eventBridgeClient = new EventBridgeClient({});

/** A port a function is deployed without was used: its handler must wire it (see pipelineDeps). */
export class PortNotWiredError extends Error {
  override name = 'PortNotWiredError';
}

/** The ports that only some functions use; each handler passes those its use case reaches. */
export interface FunctionPorts {
  queue?: TaskQueue;
  /** Called once, with the dependencies (not at import: creating providers validates their options). */
  providers?: () => Record<ProviderName, PriceProvider>;
}

type DepsEnv = Pick<
  LambdaEnv,
  'DB_SECRET_ARN' | 'EVENT_BUS_NAME' | 'DISCORD_WEBHOOK_SECRET_ARN' | 'AUTO_REPAIR'
> &
  Partial<Pick<LambdaEnv, 'DB_TLS' | 'MAX_BACKFILL_DAYS'>>;

let deps: Promise<PipelineDeps> | undefined;

/** Everything the use cases need, built once per instance; a port not passed in `ports` rejects its use. */
export function pipelineDeps(env: DepsEnv, ports: FunctionPorts = {}): Promise<PipelineDeps> {
  deps ??= database(env).then((db) => ({
    sql: db,
    queue: ports.queue ?? { sendBatch: notWired('the task queue (queue)') },
    providers: ports.providers?.() ?? {
      yahoo: { name: 'yahoo', fetchDailyBars: notWired('the yahoo provider (providers)') },
      upbit: { name: 'upbit', fetchDailyBars: notWired('the upbit provider (providers)') },
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

function notWired(port: string) {
  return () =>
    Promise.reject(
      new PortNotWiredError(
        `${port} is not wired into this function: pass it to pipelineDeps in its handler`,
      ),
    );
}

/** For tests: forget the cached dependencies. */
export function resetLambdaDeps(): void {
  deps = undefined;
}
