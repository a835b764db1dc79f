import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { JobNotFoundError } from '#shared/db/errors.ts';
import { createJob, finishTask, getJob, listTasks, startTask } from '#shared/db/jobs.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase({ max: 20 });
  assets = await seedAssets(db.sql, 200);
});
afterAll(async () => {
  await db.drop();
});

function backfillOf(count: number) {
  return {
    kind: 'backfill' as const,
    rangeStart: '2024-01-01',
    rangeEnd: '2024-12-31',
    assets: assets.slice(0, count).map((a) => a.symbol),
    request: { start: '2024-01-01', end: '2024-12-31' },
    tasks: assets
      .slice(0, count)
      .map((a) => ({ assetId: a.id, rangeStart: '2024-01-01', rangeEnd: '2024-12-31' })),
  };
}

describe('job lifecycle', () => {
  it('keeps exact counters and sets one final status when 200 tasks finish concurrently', async () => {
    const { job, tasks } = await createJob(db.sql, backfillOf(200));
    const results = await Promise.all(
      tasks.map(async (task, i) => {
        await startTask(db.sql, task.id, task.jobId);
        return finishTask(db.sql, task.id, { status: 'success', rowsUpserted: i });
      }),
    );
    expect(results.filter((r) => r?.jobFinishedNow)).toHaveLength(1);
    const finished = await getJob(db.sql, job.id);
    expect(finished).toMatchObject({
      status: 'success',
      tasksTotal: 200,
      tasksSucceeded: 200,
      tasksFailed: 0,
    });
    expect(finished.rowsUpserted).toBe((199 * 200) / 2);
    expect(finished.finishedAt).toBeInstanceOf(Date);
  });

  it('ends partial_failure when some tasks failed, with the reasons in the summary', async () => {
    const { job, tasks } = await createJob(db.sql, backfillOf(4));
    for (const [i, task] of tasks.entries()) {
      await finishTask(
        db.sql,
        task.id,
        i < 2
          ? { status: 'failed', error: 'not-found: No data found', rowsUpserted: 0 }
          : { status: 'success', rowsUpserted: 5 },
      );
    }
    const finished = await getJob(db.sql, job.id);
    expect(finished.status).toBe('partial_failure');
    expect(finished.errorSummary?.failedTasks).toBe(2);
    expect(finished.errorSummary?.failures[0]).toMatchObject({
      symbol: assets[0]?.symbol,
      error: 'not-found: No data found',
    });
  });

  it('ends failure when every task failed', async () => {
    const { job, tasks } = await createJob(db.sql, backfillOf(3));
    for (const task of tasks)
      await finishTask(db.sql, task.id, { status: 'failed', error: 'boom', rowsUpserted: 0 });
    expect((await getJob(db.sql, job.id)).status).toBe('failure');
  });

  it('never counts a task twice when its message is delivered again', async () => {
    const { job, tasks } = await createJob(db.sql, backfillOf(2));
    const [task] = tasks;
    if (!task) throw new Error('no task');
    await finishTask(db.sql, task.id, { status: 'success', rowsUpserted: 3 });
    expect(await startTask(db.sql, task.id, task.jobId)).toBeUndefined();
    expect(await finishTask(db.sql, task.id, { status: 'success', rowsUpserted: 3 })).toBeUndefined();
    expect(await getJob(db.sql, job.id)).toMatchObject({
      status: 'running',
      tasksSucceeded: 1,
      rowsUpserted: 3,
    });
  });

  it('turns a job running with its first task and counts attempts', async () => {
    const { job, tasks } = await createJob(db.sql, backfillOf(1));
    const [task] = tasks;
    if (!task) throw new Error('no task');
    await startTask(db.sql, task.id, task.jobId);
    const started = await startTask(db.sql, task.id, task.jobId);
    expect(started?.attempts).toBe(2);
    expect((await getJob(db.sql, job.id)).status).toBe('running');
    expect((await listTasks(db.sql, job.id))[0]).toMatchObject({
      symbol: assets[0]?.symbol,
      status: 'running',
    });
  });

  it('finishes a job with nothing to do at once', async () => {
    const { job } = await createJob(db.sql, { ...backfillOf(0), assets: [] });
    expect(job.status).toBe('success');
    expect(job.finishedAt).toBeInstanceOf(Date);
  });

  it('says which job is missing', async () => {
    await expect(getJob(db.sql, 987654)).rejects.toThrow(JobNotFoundError);
  });
});

describe('job records', () => {
  it('stores the request and task warnings as JSON objects, not as strings', async () => {
    const { job, tasks } = await createJob(db.sql, backfillOf(1));
    await finishTask(db.sql, tasks[0]?.id ?? 0, {
      status: 'success',
      rowsUpserted: 1,
      warnings: ['2 sessions missing'],
    });
    expect((await getJob(db.sql, job.id)).request).toEqual({ start: '2024-01-01', end: '2024-12-31' });
    expect((await listTasks(db.sql, job.id))[0]?.warnings).toEqual(['2 sessions missing']);
  });
});
