import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob, listTasks, startTask } from '#shared/db/jobs.ts';
import { InputError } from '#shared/domain/errors.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { cancelJob } from '#shared/usecases/cancel-job.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { reapOverdueTasks } from '#shared/usecases/reap-tasks.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 7, now: () => NOW.getTime() });
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

const START = '2025-02-03';
const END = '2025-02-14';

/** A job of one task per symbol; the tasks of `running` started, every task's clock set `minutesAgo`. */
async function jobWith(symbols: string[], setup: { running?: string[]; minutesAgo: number }) {
  const assets = await useAssets(
    db.sql,
    symbols.map((s) => assetConfig(s)),
  );
  const ordered = symbols.map((s) => assets.find((a) => a.symbol === s) as (typeof assets)[0]);
  const job = await jobOver(db.sql, ordered, START, END);
  for (const [i, task] of job.tasks.entries()) {
    if (setup.running?.includes(symbols[i] as string)) await startTask(db.sql, task.id, job.jobId);
  }
  await db.sql`
    UPDATE job_tasks SET updated_at = now() - make_interval(mins => ${setup.minutesAgo}),
                         created_at = now() - make_interval(mins => ${setup.minutesAgo})
    WHERE job_id = ${job.jobId}`;
  return job;
}

/** The harness on the database's clock (the reaper compares deadlines with stored instants). */
function realTimeHarness() {
  const harness = pipelineHarness({ sql: db.sql, server });
  return { ...harness, deps: { ...harness.deps, now: () => new Date() } };
}

async function barCount(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM prices_daily`;
  return row?.n ?? 0;
}

describe('the reaper', () => {
  it('fails a running task silent past its deadline and a pending one past its slot, and announces their job', async () => {
    // Prepare: a job whose worker died an hour and a quarter ago
    const { jobId } = await jobWith(['RA', 'RB'], { running: ['RA'], minutesAgo: 76 });
    const { deps, events, alerter, metrics } = realTimeHarness();

    // Act
    const result = await reapOverdueTasks(deps);

    // Assess
    expect([result.running.tasks, result.pending.tasks]).toEqual([1, 1]);
    const tasks = await listTasks(db.sql, jobId);
    expect(tasks.map((t) => [t.symbol, t.status, t.error])).toEqual([
      [
        'RA',
        'failed',
        'reaped: running with no progress for over 60 min (its worker stopped or its message was lost)',
      ],
      [
        'RB',
        'failed',
        'reaped: not started 75 min after its planned slot (its message was never sent or was lost)',
      ],
    ]);
    const job = await getJob(db.sql, jobId);
    expect([job.status, job.tasksFailed, job.errorSummary?.failedTasks]).toEqual(['failure', 2, 2]);
    expect(events.ofType('JobFinished').map((e) => [e.detail.jobId, e.detail.status])).toEqual([
      [jobId, 'failure'],
    ]);
    expect(alerter.alerts.map((a) => a.description)).toEqual([
      expect.stringContaining(`backfill --retry-failed ${jobId}`),
    ]);
    expect(metrics.get('TasksReaped')).toBe(2);
  });

  it('leaves tasks within their deadlines alone', async () => {
    // Prepare: a running task heard from 59 minutes ago, a pending one 74 minutes after its slot
    const { jobId } = await jobWith(['RC', 'RD'], { running: ['RC'], minutesAgo: 59 });
    await db.sql`UPDATE job_tasks SET created_at = now() - interval '74 minutes'
                 WHERE job_id = ${jobId} AND status = 'pending'`;
    const { deps, events } = realTimeHarness();

    // Act
    const result = await reapOverdueTasks(deps);

    // Assess
    expect([result.running.jobIds, result.pending.jobIds]).toEqual([[], []]);
    expect((await listTasks(db.sql, jobId)).map((t) => t.status)).toEqual(['running', 'pending']);
    expect(events.events).toEqual([]);
  });

  it('ends a job whose last task it reaps as partial_failure, and --retry-failed then plans that task', async () => {
    // Prepare: one task succeeded, the other's worker died
    const { jobId, messages } = await jobWith(['RE', 'RF'], { minutesAgo: 0 });
    const { deps } = realTimeHarness();
    await ingestTask({ ...deps, now: () => NOW }, messages[0] as (typeof messages)[0], 1);
    await startTask(db.sql, messages[1]?.taskId as number, messages[1]?.jobId as number);
    await db.sql`UPDATE job_tasks SET updated_at = now() - interval '2 hours' WHERE id = ${messages[1]?.taskId as number}`;

    // Act
    await reapOverdueTasks(deps);
    const retry = await planBackfill({ ...deps, now: () => NOW }, { retryFailedOf: jobId, dryRun: true });

    // Assess
    expect((await getJob(db.sql, jobId)).status).toBe('partial_failure');
    expect(retry.tasks.map((t) => [t.symbol, t.start, t.end])).toEqual([['RF', START, END]]);
  });

  it('ends every unfinished task at once with --older-than 0', async () => {
    // Prepare
    const { jobId } = await jobWith(['RG'], { running: ['RG'], minutesAgo: 0 });
    const { deps } = realTimeHarness();

    // Act
    const result = await reapOverdueTasks(deps, { olderThanMinutes: 0 });

    // Assess
    expect(result.running.finishedJobIds).toEqual([jobId]);
    expect((await getJob(db.sql, jobId)).finishedAt).not.toBeNull();
  });
});

describe('jobs cancel', () => {
  it('cancels the unfinished tasks and the job, announces nothing, and its queued messages are then skipped', async () => {
    // Prepare: one task succeeded, one running, one pending
    const { jobId, messages } = await jobWith(['CA', 'CB', 'CC'], { minutesAgo: 0 });
    const { deps, events, alerter } = pipelineHarness({ sql: db.sql, server });
    await ingestTask(deps, messages[0] as (typeof messages)[0], 1);
    await startTask(db.sql, messages[1]?.taskId as number, messages[1]?.jobId as number);
    const bars = await barCount();

    // Act
    const result = await cancelJob(deps, jobId);
    const late = await ingestTask(deps, messages[2] as (typeof messages)[0], 1);

    // Assess
    expect(result.tasksCancelled).toBe(2);
    const job = await getJob(db.sql, jobId);
    expect([job.status, job.tasksSucceeded, job.tasksFailed, job.finishedAt !== null]).toEqual([
      'cancelled',
      1,
      0,
      true,
    ]);
    expect((await listTasks(db.sql, jobId)).map((t) => t.status)).toEqual([
      'success',
      'cancelled',
      'cancelled',
    ]);
    expect(late).toMatchObject({ kind: 'skipped', reason: 'task already ended (cancelled)' });
    expect(await barCount()).toBe(bars);
    expect([events.events, alerter.alerts]).toEqual([[], []]);
  });

  it('keeps the bars of an ingest in flight out of the database', async () => {
    // Prepare: the provider answers only after the job was cancelled
    const { jobId, messages } = await jobWith(['CD'], { minutesAgo: 0 });
    const harness = pipelineHarness({ sql: db.sql, server });
    const yahoo = harness.deps.providers.yahoo;
    const deps = {
      ...harness.deps,
      providers: {
        ...harness.deps.providers,
        yahoo: {
          ...yahoo,
          fetchDailyBars: async (request: Parameters<typeof yahoo.fetchDailyBars>[0]) => {
            const outcome = await yahoo.fetchDailyBars(request);
            await cancelJob(harness.deps, jobId);
            return outcome;
          },
        },
      },
    };
    const bars = await barCount();

    // Act
    await ingestTask(deps, messages[0] as (typeof messages)[0], 1);

    // Assess
    expect((await listTasks(db.sql, jobId)).map((t) => [t.status, t.rowsUpserted])).toEqual([
      ['cancelled', 0],
    ]);
    expect(await barCount()).toBe(bars);
  });

  it('refuses a job that has already ended, changing nothing', async () => {
    // Prepare
    const { jobId, messages } = await jobWith(['CE'], { minutesAgo: 0 });
    const { deps } = pipelineHarness({ sql: db.sql, server });
    await ingestTask(deps, messages[0] as (typeof messages)[0], 1);
    const before = await getJob(db.sql, jobId);

    // Act, Assess
    await expect(cancelJob(deps, jobId)).rejects.toThrow(
      new InputError(`cancel: job ${jobId} has already ended (success); nothing to cancel`),
    );
    expect(await getJob(db.sql, jobId)).toEqual(before);
  });

  it('lets --retry-failed re-run the cancelled tasks', async () => {
    // Prepare
    const { jobId } = await jobWith(['CF', 'CG'], { minutesAgo: 0 });
    const { deps } = pipelineHarness({ sql: db.sql, server });
    await cancelJob(deps, jobId);

    // Act
    const retry = await planBackfill(deps, { retryFailedOf: jobId, dryRun: true });

    // Assess
    expect(retry.tasks.map((t) => t.symbol)).toEqual(['CF', 'CG']);
  });
});
