import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { instantClock } from '#test/http/support/instant-clock.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { recordingLog } from '#test/support/recording-log.ts';
import { assetConfig, useAssets } from './support/harness.ts';

/** Fewer receives than the waits a rate-limit episode takes: on the old path it dead-lettered. */
const MAX_RECEIVES = 3;
const BUDGET_MINUTES = 10;

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 23 });
  await useAssets(db.sql, [assetConfig('THROTTLED')]);
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/**
 * The local runtime with queues 2,000 times faster than the wall clock, so the waits (1 to 15 min)
 * pass in a fraction of a second, and a pipeline clock that moves a minute each time it is read, so the
 * budget is spent after a fixed number of deliveries, whatever the machine's speed; the providers wait
 * on virtual time.
 */
function fastRuntime(): LocalRuntime {
  const origin = Date.now();
  const fast = () => origin + (Date.now() - origin) * 2_000;
  let pipelineNow = origin;
  return new LocalRuntime({
    sql: db.sql,
    log: recordingLog(),
    baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
    settings: { rateLimitBudgetMinutes: BUDGET_MINUTES },
    now: () => {
      pipelineNow += 60_000;
      return new Date(pipelineNow);
    },
    queueNow: fast,
    providerClock: instantClock(),
    visibilityTimeoutSeconds: 3_600,
    maxReceiveCount: MAX_RECEIVES,
  });
}

describe('LocalRuntime.drain of a task its provider keeps rate-limiting', () => {
  it('waits it out for more deferrals than the queue has receives, then fails the task once the budget is spent', async () => {
    // Prepare: every THROTTLED request is a 429 asking for a minute.
    server.setFaults({ failingSymbols: { THROTTLED: 429 }, retryAfterSeconds: 60 });
    const runtime = fastRuntime();
    const { jobId } = await planBackfill(runtime.deps, {
      start: '2025-02-03',
      end: '2025-02-28',
      assets: ['THROTTLED'],
    });

    // Act
    const stats = await runtime.drain(2);

    // Assess: never dead-lettered; failed by the budget, saying so.
    expect(stats.deadLettered).toBe(0);
    expect(stats.retried).toBeGreaterThan(MAX_RECEIVES);
    const [task] = await listTasks(db.sql, jobId as number);
    expect(task).toMatchObject({ status: 'failed' });
    expect(task?.error).toMatch(
      new RegExp(`^rate-limited: yahoo THROTTLED .*: the budget of ${BUDGET_MINUTES} min is spent\\)$`),
    );
    expect(await getJob(db.sql, jobId as number)).toMatchObject({ status: 'failure', tasksFailed: 1 });
    expect([runtime.queue.size, runtime.deadLetters.size]).toEqual([0, 0]);
  });
});
