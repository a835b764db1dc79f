import type { Config } from '#shared/config.ts';
import type { Database } from '#shared/db/database.ts';
import { migrate } from '#shared/db/migrations.ts';
import { createLocalLog } from '#shared/local/adapters.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { PROVIDER_DEFAULTS } from '#shared/providers/index.ts';
import { assertReachable } from '#shared/providers/reachability.ts';
import type { Universe } from '#shared/universe/universe.ts';
import type { PipelineSettings } from '#shared/usecases/deps.ts';
import { syncUniverse } from '#shared/usecases/sync-universe.ts';
import { withDatabase } from './context.ts';
import { stoppable } from './interrupt.ts';
import { assertMigrated } from './read-only.ts';

export interface PipelineFlags {
  offline: boolean;
  /** False for work that fetches nothing (a dry run): no reachability check then. */
  fetches?: boolean;
  /**
   * The universe to apply first, after migrating (collect and backfill). Without it nothing is migrated
   * or synced: the command only asserts the schema is current (`command` names it in that message).
   */
  universe?: Universe;
  command: string;
}

/**
 * Offline, the local market server stands in for Yahoo and Upbit. It allows more requests per second
 * than the real services, so local runs are quick; the budgets stay below its Upbit limit.
 */
const OFFLINE_BUDGETS: PipelineSettings['providerBudgets'] = { yahoo: 200, upbit: 80 };
const OFFLINE_UPBIT_LIMIT = 100;

/**
 * Opens the database (migrated and universe synced when flags.universe is given), starts the local market server when offline, and
 * builds the local runtime the command drives. Everything is closed afterwards. A stop signal during
 * it does not end the process: the drain stops and records what is unfinished (see drain-jobs.ts).
 */
export async function withPipeline<T>(
  config: Config,
  flags: PipelineFlags,
  work: (runtime: LocalRuntime, db: Database) => Promise<T>,
): Promise<T> {
  return stoppable(() =>
    withDatabase(config, async (db) => {
      if (flags.universe) {
        await migrate(db.sql);
        await syncUniverse(db.sql, flags.universe);
      } else await assertMigrated(db.sql, flags.command);
      const server: MarketServer | undefined = flags.offline
        ? await startMarketServer({ upbitRequestsPerSecond: OFFLINE_UPBIT_LIMIT })
        : undefined;
      try {
        if (!server && flags.fetches !== false) await assertProvidersReachable(config);
        const runtime = new LocalRuntime({
          sql: db.sql,
          log: createLocalLog(config.LOG_LEVEL),
          baseUrls: server
            ? { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl }
            : { yahoo: config.YAHOO_BASE_URL, upbit: config.UPBIT_BASE_URL },
          userAgents: { yahoo: config.YAHOO_USER_AGENT },
          settings: {
            ...(server ? { providerBudgets: OFFLINE_BUDGETS } : {}),
            ...(config.MAX_BACKFILL_DAYS ? { maxBackfillDays: config.MAX_BACKFILL_DAYS } : {}),
          },
          discordWebhookUrl: config.DISCORD_WEBHOOK_URL,
        });
        return await work(runtime, db);
      } finally {
        await server?.stop();
      }
    }),
  );
}

/** Fails fast with a way out (--offline) when Yahoo or Upbit cannot be reached at all. */
export async function assertProvidersReachable(config: Config): Promise<void> {
  await assertReachable([
    config.YAHOO_BASE_URL ?? PROVIDER_DEFAULTS.yahoo.baseUrl,
    config.UPBIT_BASE_URL ?? PROVIDER_DEFAULTS.upbit.baseUrl,
  ]);
}
