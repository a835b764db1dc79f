import { type Asset, listAssets, syncAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { createJob } from '#shared/db/jobs.ts';
import type { JobKind, JobTask } from '#shared/domain/job.ts';
import { RateBudget } from '#shared/http/rate-budget.ts';
import { TallyMetrics } from '#shared/local/adapters.ts';
import type { MarketServer } from '#shared/market-server/index.ts';
import { createProvider, type PriceProvider, type ProviderName } from '#shared/providers/index.ts';
import type { TaskMessage, TaskQueue } from '#shared/queue/task-queue.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';
import { DEFAULT_SETTINGS, type PipelineDeps, type PipelineSettings } from '#shared/usecases/deps.ts';
import { instantClock } from '#test/http/support/instant-clock.ts';
import { type RecordingLog, recordingLog } from '#test/support/recording-log.ts';
import { RecordingAlerter, RecordingEvents, RecordingQueue } from './fakes.ts';

/** A Monday, noon UTC (08:00 in New York): the last completed XNYS session is Friday 2025-03-07. */
export const NOW = new Date('2025-03-10T12:00:00Z');

export interface Harness {
  deps: PipelineDeps;
  queue: RecordingQueue;
  events: RecordingEvents;
  alerter: RecordingAlerter;
  metrics: TallyMetrics;
  log: RecordingLog;
}

/**
 * The use cases' dependencies with the real database and, when given, real providers talking to the
 * market server on virtual time (retries and Retry-After waits cost no wall time); queue, events and
 * alerts are recorded in memory so a test can see exactly what was sent.
 */
export function pipelineHarness(options: {
  sql: Sql;
  server?: MarketServer;
  settings?: Partial<PipelineSettings>;
  queue?: TaskQueue;
}): Harness {
  const queue = new RecordingQueue();
  const events = new RecordingEvents();
  const alerter = new RecordingAlerter();
  const metrics = new TallyMetrics();
  const log = recordingLog();
  const provider = (name: ProviderName): PriceProvider => {
    const { server } = options;
    if (!server) return { name, fetchDailyBars: () => Promise.reject(new Error('no provider in this test')) };
    const clock = instantClock(NOW.getTime());
    return createProvider(name, {
      baseUrl: name === 'yahoo' ? server.yahooBaseUrl : server.upbitBaseUrl,
      // Generous: a loaded machine can answer a local request after seconds, and a retry would change
      // the request counts and seeded fault draws tests rely on. Hangs are the task deadline's tests.
      timeoutMs: 10_000,
      baseDelayMs: 10,
      maxDelayMs: 50,
      random: () => 0,
      rateBudget: new RateBudget({ perSecond: 1_000, clock }),
      clock,
    });
  };
  const deps: PipelineDeps = {
    sql: options.sql,
    queue: options.queue ?? queue,
    providers: { yahoo: provider('yahoo'), upbit: provider('upbit') },
    events,
    alerter,
    metrics,
    log,
    now: () => NOW,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
  };
  return { deps, queue, events, alerter, metrics, log };
}

/** A listed asset; its provider symbol is its symbol. */
export function assetConfig(symbol: string, overrides: Partial<AssetConfig> = {}): AssetConfig {
  return {
    symbol,
    name: `${symbol} (test)`,
    category: 'stock',
    calendar: 'XNYS',
    provider: 'yahoo',
    providerSymbol: symbol,
    currency: 'USD',
    active: true,
    ...overrides,
  };
}

/** Makes exactly these assets the active ones (others are deactivated, their history kept). */
export async function useAssets(sql: Sql, configs: readonly AssetConfig[]): Promise<Asset[]> {
  await syncAssets(sql, configs);
  return listAssets(sql, { symbols: configs.map((c) => c.symbol) });
}

/** A backfill job over [start, end] with one task per asset, as the db layer records it. */
export async function jobOver(
  sql: Sql,
  assets: readonly Asset[],
  start: string,
  end: string,
  kind: JobKind = 'backfill',
): Promise<{ jobId: number; tasks: JobTask[]; messages: TaskMessage[] }> {
  const { job, tasks } = await createJob(sql, {
    kind,
    rangeStart: start,
    rangeEnd: end,
    assets: assets.map((a) => a.symbol),
    request: { start, end },
    tasks: assets.map((a) => ({ assetId: a.id, rangeStart: start, rangeEnd: end })),
  });
  return { jobId: job.id, tasks, messages: tasks.map((t) => ({ taskId: t.id, jobId: job.id })) };
}
