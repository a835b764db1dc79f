import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { claimJobAnnouncement, getJob, listTasks } from '#shared/db/jobs.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import { AnnouncementNotDeliveredError, announceJob } from '#shared/usecases/finish-job.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { WriteGroup } from '#shared/usecases/task-writes.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 21, now: () => NOW.getTime(), missingSymbols: ['GONE'] });
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/** A job of one good task and one whose symbol is delisted, so that it ends partial_failure. */
async function partialJob(good: string) {
  const assets = await useAssets(db.sql, [assetConfig(good), assetConfig('GONE')]);
  const job = await jobOver(db.sql, assets, '2025-03-03', '2025-03-07');
  const harness = pipelineHarness({ sql: db.sql, server });
  const [first, last] = job.messages as [(typeof job.messages)[0], (typeof job.messages)[0]];
  return { job, harness, first, last };
}

async function announcedAt(jobId: number): Promise<Date | null> {
  const [row] = await db.sql<
    { announcedAt: Date | null }[]
  >`SELECT announced_at FROM job_runs WHERE id = ${jobId}`;
  return row?.announcedAt ?? null;
}

describe('The announcement of a failed job', () => {
  it('fails the message whose alert could not be delivered, and its redelivery sends the alert', async () => {
    // Prepare
    const { job, harness, first, last } = await partialJob('OKAY');
    await ingestTask(harness.deps, first, 1);
    harness.alerter.failNext = 1;

    // Act
    const lost = ingestTask(harness.deps, last, 1);
    await expect(lost).rejects.toThrow(AnnouncementNotDeliveredError);
    const unannounced = await announcedAt(job.jobId);
    const redelivered = await ingestTask(harness.deps, last, 2);
    await ingestTask(harness.deps, last, 3);

    // Assess
    expect(unannounced).toBeNull();
    expect(redelivered).toMatchObject({ kind: 'skipped' });
    expect(harness.alerter.alerts.map((a) => a.title)).toEqual([
      `backfill job ${job.jobId} ended partial_failure`,
      `backfill job ${job.jobId} ended partial_failure`,
    ]);
    expect(await announcedAt(job.jobId)).not.toBeNull();
    expect(harness.metrics.get('AnnouncementsFailed')).toBe(1);
    expect(harness.log.entries.some((e) => e.message.startsWith('job alert not delivered'))).toBe(true);
  });

  it('is made by the next caller once the claim of a caller that died has expired', async () => {
    // Prepare: a caller claimed the announcement and died before alerting
    const { job, harness, first, last } = await partialJob('DIED');
    await ingestTask(harness.deps, first, 1);
    const crashed = pipelineHarness({ sql: db.sql, server });
    const alerting = new Promise<void>((resolve) => {
      // It claims, then alerts, and never returns: the process died.
      crashed.deps.alerter.send = () => {
        resolve();
        return new Promise(() => undefined);
      };
    });
    void ingestTask(crashed.deps, last, 1);
    await alerting;
    expect(await claimed(job.jobId)).toBe(true);

    // Act
    await announceJob(harness.deps, job.jobId); // the claim is still held: nothing happens
    const whileHeld = harness.alerter.alerts.length;
    await db.sql`UPDATE job_runs SET announce_claimed_at = now() - interval '10 minutes' WHERE id = ${job.jobId}`;
    await announceJob(harness.deps, job.jobId);

    // Assess
    expect(whileHeld).toBe(0);
    expect(harness.alerter.alerts.map((a) => a.title)).toEqual([
      `backfill job ${job.jobId} ended partial_failure`,
    ]);
    expect(await announcedAt(job.jobId)).not.toBeNull();
    expect(await claimJobAnnouncement(db.sql, job.jobId)).toBeUndefined();
  });
});

describe('A task that ends without bars in a batch', () => {
  it('leaves the batch’s write before it announces its job, so its batch-mates commit meanwhile', async () => {
    // Prepare: one job's task writes bars; another job's only task fails, and its alert hangs
    const assets = await useAssets(db.sql, [assetConfig('MATE'), assetConfig('GONE')]);
    const [mate, gone] = [assets.find((a) => a.symbol === 'MATE'), assets.find((a) => a.symbol === 'GONE')];
    const writing = await jobOver(db.sql, [mate as Asset], '2025-03-03', '2025-03-07');
    const failing = await jobOver(db.sql, [gone as Asset], '2025-03-03', '2025-03-07');
    const harness = pipelineHarness({ sql: db.sql, server });
    let deliverAlert = (_delivered: boolean): void => undefined;
    const alerting = new Promise<void>((resolve) => {
      harness.deps.alerter.send = () => {
        resolve();
        return new Promise<boolean>((delivered) => {
          deliverAlert = delivered;
        });
      };
    });
    const batch = new WriteGroup(2, 600_000); // only the members end the wait, never the clock

    // Act: the failing task runs into its announcement first, then the other task writes
    const failed = ingestTask(harness.deps, failing.messages[0] as TaskMessage, 1, batch.member());
    await alerting;
    const written = await ingestTask(harness.deps, writing.messages[0] as TaskMessage, 1, batch.member());
    deliverAlert(true);

    // Assess: the write committed while the alert was still out (else it would never have resolved)
    expect(written).toMatchObject({ kind: 'done', status: 'success', rows: 5 });
    await expect(failed).resolves.toMatchObject({ kind: 'done', status: 'failed' });
    expect(await getJob(db.sql, writing.jobId)).toMatchObject({ status: 'success', rowsUpserted: 5 });
    expect(await announcedAt(failing.jobId)).not.toBeNull();
  });
});

describe('The tasks of one job that commit together', () => {
  it('end their job and announce it once, settled by one of them', async () => {
    // Prepare: a job of three tasks, two of them ending in one batch's write, the third failing alone
    const assets = await useAssets(db.sql, [assetConfig('PAIRA'), assetConfig('PAIRB'), assetConfig('GONE')]);
    const job = await jobOver(db.sql, assets, '2025-03-03', '2025-03-07');
    const harness = pipelineHarness({ sql: db.sql, server });
    const bySymbol = new Map((await listTasks(db.sql, job.jobId)).map((t) => [t.symbol, t.id]));
    const message = (symbol: string) => ({ taskId: bySymbol.get(symbol) as number, jobId: job.jobId });
    await ingestTask(harness.deps, message('GONE'), 1);
    const batch = new WriteGroup(2, 600_000);

    // Act
    const results = await Promise.all(
      ['PAIRA', 'PAIRB'].map((symbol) => ingestTask(harness.deps, message(symbol), 1, batch.member())),
    );

    // Assess
    expect(results.map((r) => r.kind)).toEqual(['done', 'done']);
    expect(await getJob(db.sql, job.jobId)).toMatchObject({ status: 'partial_failure', tasksSucceeded: 2 });
    expect(await announcedAt(job.jobId)).not.toBeNull();
    const finished = harness.events.ofType('JobFinished').filter((e) => e.detail.jobId === job.jobId);
    expect(finished).toHaveLength(1);
    expect(harness.alerter.alerts.map((a) => a.title)).toEqual([
      `backfill job ${job.jobId} ended partial_failure`,
    ]);
  });
});

async function claimed(jobId: number): Promise<boolean> {
  const [row] = await db.sql<{ claimed: boolean }[]>`
    SELECT announce_claimed_at IS NOT NULL AS claimed FROM job_runs WHERE id = ${jobId}`;
  return row?.claimed ?? false;
}
