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
  /**
   * How long a task waits out a provider's rate limit (from its first 429) before it fails. The wait
   * uses no queue receives: a Yahoo 429 episode of half an hour delays a job, it does not fail it.
   */
  rateLimitBudgetMinutes: number;
  /** The reaper fails a running task after this long with no progress recorded (see reap-tasks.ts). */
  reapRunningAfterMinutes: number;
  /** ... and a pending task this long after its planned slot plus the queue's longest delay. */
  reapPendingAfterMinutes: number;
  /** Longest one ingest task may take before its message is left to redelivery (task-deadline.ts). */
  taskDeadlineMs?: number;
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  providerBudgets: { yahoo: 2, upbit: 8 },
  lookbackSessions: 7,
  maxBackfillDays: 366 * 30,
  chunkDays: 1096,
  maxAttempts: 4,
  autoRepair: false,
  rateLimitBudgetMinutes: 120,
  reapRunningAfterMinutes: 60,
  reapPendingAfterMinutes: 60,
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
}
