import type { Sql } from '#shared/db/client.ts';
import type { Clock } from '#shared/http/clock.ts';
import { LocalRuntime, type LocalRuntimeOptions } from '#shared/local/runtime.ts';
import type { MarketServer, MarketServerOptions } from '#shared/market-server/index.ts';
import { type RecordingLog, recordingLog } from '#test/support/recording-log.ts';
import { NOW } from '#test/usecases/support/harness.ts';

export interface DrillRuntimeOptions
  extends Pick<
    LocalRuntimeOptions,
    'visibilityTimeoutSeconds' | 'maxReceiveCount' | 'providerTimeoutMs' | 'dropsDelete' | 'discordWebhookUrl'
  > {
  sql: Sql;
  server: MarketServer;
  /** How many times faster than the wall clock the queues and the providers' waits run (default 200). */
  clockSpeed?: number;
}

export interface DrillRuntime {
  runtime: LocalRuntime;
  log: RecordingLog;
}

/**
 * A clock that runs `speed` times faster than the wall clock from now on, for the queues and the
 * providers' waits: the ingest's back-off (30 s and up), visibility timeouts, Retry-After and request
 * budgets then pass in a fraction of the time. Request timeouts stay on the wall clock.
 */
export function fastClock(speed: number): Clock {
  const origin = Date.now();
  return {
    now: () => origin + (Date.now() - origin) * speed,
    sleep: (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms / speed)) : Promise.resolve()),
  };
}

/**
 * The local runtime as a fault drill wants it: providers on the market server with generous request
 * budgets (the stagger spreads tasks over milliseconds, not seconds), short provider back-off, the
 * pipeline's clock fixed at NOW (the server's too, so both agree on which sessions are published),
 * queues and provider waits on a fast clock, and a log kept in memory. The server must not limit Upbit
 * per wall-clock second (see DRILL_SERVER): the budget of 8 req/s runs on the fast clock too.
 */
export function drillRuntime(options: DrillRuntimeOptions): DrillRuntime {
  const log = recordingLog();
  const clock = fastClock(options.clockSpeed ?? 200);
  const runtime = new LocalRuntime({
    sql: options.sql,
    log,
    baseUrls: { yahoo: options.server.yahooBaseUrl, upbit: options.server.upbitBaseUrl },
    settings: { providerBudgets: { yahoo: 200, upbit: 8 } },
    discordWebhookUrl: options.discordWebhookUrl,
    now: () => NOW,
    queueNow: clock.now,
    providerClock: clock,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 900,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    // Generous (scenarios that mean to time out set their own): a loaded machine answers late.
    providerTimeoutMs: options.providerTimeoutMs ?? 10_000,
    providerBaseDelayMs: 5,
    dropsDelete: options.dropsDelete,
  });
  return { runtime, log };
}

/**
 * Market server options every drill shares: the pipeline's NOW, and no Upbit limit per wall-clock
 * second (Upbit's 429s then come from the fault knobs only).
 */
export const DRILL_SERVER = {
  now: () => NOW.getTime(),
  upbitRequestsPerSecond: 10_000,
  // Corporate actions, so every drill stores them end to end over HTTP: a split inside the drills'
  // range (listed in the chart's events), one after it (re-bases the chart; only the action-history
  // fetch knows it) and dividends. The drills' ledgers compare with the bars as traded.
  corporateActions: [
    { symbol: 'NVDA', kind: 'split', exDate: '2024-12-02', numerator: 4, denominator: 1 },
    { symbol: 'AAPL', kind: 'split', exDate: '2025-03-03', numerator: 2, denominator: 1 },
    { symbol: 'MSFT', kind: 'dividend', exDate: '2024-11-21', amount: 0.83 },
    { symbol: 'XOM', kind: 'dividend', exDate: '2025-02-12', amount: 0.99 },
  ],
} as const satisfies MarketServerOptions;
