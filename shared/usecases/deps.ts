import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import type { Alerter, EventPublisher, Log, Metrics } from '#shared/domain/ports.ts';
import type { PriceProvider, ProviderName } from '#shared/providers/index.ts';
import type { TaskQueue } from '#shared/queue/task-queue.ts';

/** Tunables of the pipeline; each has a default a user would expect. */
export interface PipelineSettings {
  /** Requests per second each provider may receive; the fan-out staggers tasks to stay within it. */
  providerBudgets: Record<ProviderName, number>;
  /** Sessions a scheduled collection re-fetches so that gaps heal (the seeds' "last 7 days"). */
  lookbackSessions: number;
  /** Longest backfill range accepted, in calendar days. */
  maxBackfillDays: number;
  /** Backfill ranges are split into tasks of at most this many calendar days per asset. */
  chunkDays: number;
  /** Transient fetch failures are retried until the message has been received this many times. */
  maxAttempts: number;
  /** Start a repair job for the missing range of stale assets. */
  autoRepair: boolean;
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  providerBudgets: { yahoo: 2, upbit: 8 },
  lookbackSessions: 7,
  maxBackfillDays: 366 * 30,
  chunkDays: 1096,
  maxAttempts: 4,
  autoRepair: false,
};

/** Everything a use case talks to; the Lambda handlers and the local runtime each build one. */
export interface PipelineDeps {
  sql: Sql;
  queue: TaskQueue;
  providers: Record<ProviderName, PriceProvider>;
  events: EventPublisher;
  alerter: Alerter;
  metrics: Metrics;
  log: Log;
  now: () => Date;
  settings: PipelineSettings;
  /**
   * Re-reads an asset's corporate actions, called when a fetch shows a re-based history no known split
   * explains. Optional: without it the re-basing is flagged and restated all the same.
   */
  refreshCorporateActions?: (asset: Asset) => Promise<unknown>;
}
