import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listDomainEvents } from '#shared/db/domain-events.ts';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import type { LocalRuntime } from '#shared/local/runtime.ts';
import {
  type FaultsInput,
  type MarketServer,
  NO_FAULTS,
  startMarketServer,
} from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { recordingLog } from '#test/support/recording-log.ts';
import { runtimeWithFastQueue } from './support/fast-queue.ts';
import { assetConfig, NOW, useAssets } from './support/harness.ts';

const MAX_RECEIVES = 3;
/**
 * Tasks in flight for drain: up to 10 is one worker. At 400x a visibility timeout is under a second of
 * wall time, which a slow delivery can outlast; with a second worker idle, it would receive the message
 * again while the first still works on it, and the receive counts would be off.
 */
const ONE_WORKER = 10;

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 21, now: () => NOW.getTime() });
});
afterEach(() => {
  server.setFaults(NO_FAULTS);
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/**
 * The local runtime with a queue that redrives a message to the dead-letter queue after 3 receives,
 * before the ingest's 4 attempts run out, running 400 times faster than the wall clock so that the
 * ingest's back-off (30 s, 60 s, 120 s) passes in about a second. Provider calls time out after 50 ms.
 */
function drillRuntime(): LocalRuntime {
  return runtimeWithFastQueue(
    {
      sql: db.sql,
      log: recordingLog(),
      baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
      settings: { providerBudgets: { yahoo: 200, upbit: 50 }, maxAttempts: 4 },
      now: () => NOW,
      providerTimeoutMs: 50,
      providerBaseDelayMs: 5,
      visibilityTimeoutSeconds: 240,
      maxReceiveCount: MAX_RECEIVES,
    },
    400,
  );
}

async function backfill(runtime: LocalRuntime, symbols: string[]): Promise<number> {
  const { jobId } = await planBackfill(runtime.deps, {
    start: '2025-02-03',
    end: '2025-02-28',
    assets: symbols,
  });
  return jobId as number;
}

describe('LocalRuntime.drain of a task that keeps failing transiently', () => {
  beforeAll(async () => {
    await useAssets(db.sql, [assetConfig('UP'), assetConfig('DOWN'), assetConfig('STALL')]);
  });

  const cases: [string, string, FaultsInput, RegExp][] = [
    ['answers 503 every time', 'DOWN', { failingSymbols: { DOWN: 503 } }, /HTTP 503 Service Unavailable/],
    ['never answers', 'STALL', { hangRate: 1 }, /timed out after 50 ms/],
  ];

  it.each(cases)(
    'dead-letters the message of a provider that %s and fails its task with the last error',
    async (_name, symbol, faults, lastError) => {
      // Prepare
      const runtime = drillRuntime();
      const jobId = await backfill(runtime, [symbol]);
      server.setFaults(faults);

      // Act
      const stats = await runtime.drain(ONE_WORKER);

      // Assess
      expect(stats).toMatchObject({ retried: MAX_RECEIVES, deadLettered: 1, poisoned: [] });
      const [task] = await listTasks(db.sql, jobId);
      expect(task).toMatchObject({ symbol, status: 'failed', attempts: MAX_RECEIVES });
      expect(task?.error).toMatch(
        /^dead-lettered: delivered the queue's maximum number of times without finishing; last error: failed: /,
      );
      expect(task?.error).toMatch(lastError);
      expect(await getJob(db.sql, jobId)).toMatchObject({ status: 'failure', tasksFailed: 1 });
      expect([runtime.queue.size, runtime.deadLetters.size]).toEqual([0, 0]);
    },
  );

  it('finishes the job of the dead-lettered task with the others, and announces it once', async () => {
    // Prepare
    const runtime = drillRuntime();
    const jobId = await backfill(runtime, ['UP', 'DOWN']);
    server.setFaults({ failingSymbols: { DOWN: 503 } });

    // Act
    await runtime.drain(ONE_WORKER);

    // Assess
    const tasks = await listTasks(db.sql, jobId);
    expect(tasks.map((t) => [t.symbol, t.status])).toEqual([
      ['DOWN', 'failed'],
      ['UP', 'success'],
    ]);
    expect(await getJob(db.sql, jobId)).toMatchObject({
      status: 'partial_failure',
      finishedAt: expect.any(Date),
    });
    const announced = (await listDomainEvents(db.sql, 'JobFinished')).filter(
      (e) => (e.detail as { jobId: number }).jobId === jobId,
    );
    expect(announced).toHaveLength(1);
  });
});
