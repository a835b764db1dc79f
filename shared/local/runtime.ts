import { createDiscordAlerter } from '#shared/alerts/discord-alerter.ts';
import type { Sql } from '#shared/db/client.ts';
import type { Log } from '#shared/domain/ports.ts';
import type { Clock } from '#shared/http/clock.ts';
import { RateBudget } from '#shared/http/rate-budget.ts';
import { createProvider, type ProviderName } from '#shared/providers/index.ts';
import { LocalQueue, type LocalQueueOptions, type ReceivedMessage } from '#shared/queue/local-queue.ts';
import { type ConsumerPorts, consumeDeadLetter, consumeTask } from '#shared/usecases/consume-task.ts';
import { DEFAULT_SETTINGS, type PipelineDeps, type PipelineSettings } from '#shared/usecases/deps.ts';
import { WriteGroup } from '#shared/usecases/task-writes.ts';
import { createDatabaseEventPublisher, TallyMetrics } from './adapters.ts';

export interface LocalRuntimeOptions {
  sql: Sql;
  log: Log;
  /** Provider base URLs (the local market server when offline); the real services when omitted. */
  baseUrls?: Partial<Record<ProviderName, string>>;
  /** User-Agent per provider (e.g. YAHOO_USER_AGENT); unset: the provider's default. */
  userAgents?: Partial<Record<ProviderName, string>>;
  settings?: Partial<PipelineSettings>;
  discordWebhookUrl?: string;
  now?: () => Date;
  /** The queues' clock in epoch ms (tests speed up delays and visibility timeouts with it). */
  queueNow?: () => number;
  /** The queue contract: how long a received message stays hidden, and receives before dead-lettering. */
  visibilityTimeoutSeconds?: number;
  maxReceiveCount?: number;
  /** Provider timeouts and retry pacing (fault drills shorten them). */
  providerTimeoutMs?: number;
  providerBaseDelayMs?: number;
  /** Fault drills only: acknowledgements of ingest messages to lose (see LocalQueueOptions.dropsDelete). */
  dropsDelete?: LocalQueueOptions['dropsDelete'];
  /** The providers' clock: back-off, Retry-After waits and request budgets (fault drills speed it up). */
  providerClock?: Clock;
}

/**
 * Tasks in flight at once (two batches of 8): fetches overlap with database writes, and a provider's
 * request budget is shared by few enough that none waits out its deadline for a request slot.
 */
export const DRAIN_IN_FLIGHT = 16;

export interface DrainStats {
  processed: number;
  /** Messages deferred (re-sent for later) or retried (the same message later). */
  retried: number;
  deadLettered: number;
  /** Dead letters with no task to mark (unreadable, unknown task, another job's): kept here. */
  poisoned: string[];
}

/** The pipeline on a laptop: the same use cases as the Lambdas, with an in-process queue. */
export class LocalRuntime {
  readonly deps: PipelineDeps;
  readonly queue: LocalQueue;
  readonly deadLetters: LocalQueue;
  readonly metrics = new TallyMetrics();
  private readonly maxReceiveCount: number;
  private readonly queueNow: () => number;
  private readonly ports: ConsumerPorts;

  constructor(options: LocalRuntimeOptions) {
    const settings = { ...DEFAULT_SETTINGS, ...options.settings };
    const now = options.now ?? (() => new Date());
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.queueNow = options.queueNow ?? Date.now;
    // Long enough that a dead letter is never handed to a second worker while the first still records
    // it (30 s was 75 ms of wall time on a fast test clock, and a loaded machine counted one twice).
    this.deadLetters = new LocalQueue({ visibilityTimeoutSeconds: 300, now: this.queueNow });
    this.queue = new LocalQueue({
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 60,
      maxReceiveCount: this.maxReceiveCount,
      deadLetterQueue: this.deadLetters,
      now: this.queueNow,
      dropsDelete: options.dropsDelete,
    });
    const provider = (name: ProviderName) =>
      createProvider(name, {
        baseUrl: options.baseUrls?.[name],
        userAgent: options.userAgents?.[name],
        // A budget of its own: the process-wide one belongs to the real service's rate.
        rateBudget: new RateBudget({
          perSecond: settings.providerBudgets[name],
          clock: options.providerClock,
        }),
        clock: options.providerClock,
        timeoutMs: options.providerTimeoutMs,
        baseDelayMs: options.providerBaseDelayMs,
      });
    this.deps = {
      sql: options.sql,
      queue: this.queue,
      providers: { yahoo: provider('yahoo'), upbit: provider('upbit') },
      events: createDatabaseEventPublisher(options.sql, options.log),
      alerter: createDiscordAlerter({ webhookUrl: async () => options.discordWebhookUrl, log: options.log }),
      metrics: this.metrics,
      log: options.log,
      now,
      settings,
    };
    this.ports = { deps: async () => this.deps, log: this.deps.log, metrics: this.metrics };
  }

  /**
   * Works the queue until it is empty, like the ingest and dlq functions would: up to `concurrency`
   * tasks at once, in batches of up to 10 whose messages are worked together, as the ingest function
   * works the batch it is given (one write for the batch, see WriteGroup); successes are deleted,
   * retries put back with their delay, crashes left to reappear after the visibility timeout, dead
   * letters marked failed. `concurrency` bounds the tasks in flight, not the batches: each task may
   * wait for its provider's request budget within its deadline.
   * Once `signal` aborts (Ctrl-C), workers take no more messages: each finishes the batch it holds and
   * returns, leaving the rest queued (the caller decides what becomes of their tasks).
   */
  async drain(concurrency = DRAIN_IN_FLIGHT, signal?: AbortSignal): Promise<DrainStats> {
    const stats: DrainStats = { processed: 0, retried: 0, deadLettered: 0, poisoned: [] };
    const workers = Math.ceil(concurrency / 10);
    const batchSize = Math.ceil(concurrency / workers);
    const worker = async () => {
      while (!signal?.aborted) {
        const batch = this.queue.receive(batchSize);
        if (batch.length > 0) {
          // As the ingest function works its batch: the records together, sharing one write group.
          const group = new WriteGroup(batch.length);
          await Promise.all(batch.map((message) => this.handle(message, stats, group)));
          continue;
        }
        if (await this.handleDeadLetters(stats)) continue;
        if (this.queue.size === 0 && this.deadLetters.size === 0) return;
        const next = this.queue.nextVisibleAt() ?? this.queueNow() + 50;
        await new Promise((r) => setTimeout(r, Math.min(250, Math.max(5, next - this.queueNow()))));
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    return stats;
  }

  /** One ingest message, mapped onto this queue as the Lambda adapter maps it onto SQS. */
  private async handle(message: ReceivedMessage, stats: DrainStats, group: WriteGroup): Promise<void> {
    const outcome = await consumeTask(this.ports, message, group);
    switch (outcome.kind) {
      case 'done':
        stats.processed += 1;
        this.queue.delete(message.receiptHandle);
        return;
      case 'defer':
        // A new message, so the wait uses up no receive (as on SQS, delays beyond 15 minutes re-defer).
        stats.retried += 1;
        this.queue.resend(
          message.receiptHandle,
          JSON.stringify(outcome.message),
          Math.min(900, outcome.delaySeconds),
        );
        return;
      case 'retry':
        stats.retried += 1;
        this.queue.changeVisibility(message.receiptHandle, outcome.delaySeconds);
        return;
      case 'poison':
      case 'error':
        return; // logged and counted by the consumer; back after the visibility timeout, or dead-lettered
    }
  }

  private async handleDeadLetters(stats: DrainStats): Promise<boolean> {
    const batch = this.deadLetters.receive(10);
    for (const message of batch) {
      const outcome = await consumeDeadLetter(this.ports, message);
      if (outcome.kind === 'error') continue; // logged; received again after the visibility timeout
      if (outcome.kind === 'poison') stats.poisoned.push(message.body);
      else stats.deadLettered += 1;
      this.deadLetters.delete(message.receiptHandle);
    }
    return batch.length > 0;
  }
}
