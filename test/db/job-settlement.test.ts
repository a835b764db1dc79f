import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { cancelUnfinishedJob } from '#shared/db/job-endings.ts';
import { settleAbandonedJobs, settleJobs } from '#shared/db/job-settlement.ts';
import { createJob, endTask, getJob, listJobs, startTask } from '#shared/db/jobs.ts';
import type { TaskOutcome } from '#shared/domain/job.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { seedAssets } from '#test/support/fixtures.ts';
import { eventually } from '#test/support/gated-market.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase({ max: 12 });
  assets = await seedAssets(db.sql, 4);
});
afterAll(async () => {
  await db.drop();
});

/** A job of `count` tasks, all started (as their ingests start them before they end them). */
async function jobOf(count: number) {
  const created = await createJob(db.sql, {
    kind: 'backfill',
    rangeStart: '2024-01-01',
    rangeEnd: '2024-12-31',
    assets: assets.slice(0, count).map((a) => a.symbol),
    request: {},
    tasks: assets
      .slice(0, count)
      .map((a) => ({ assetId: a.id, rangeStart: '2024-01-01', rangeEnd: '2024-12-31' })),
  });
  for (const task of created.tasks) await startTask(db.sql, task.id, task.jobId);
  return created;
}

/** Runs `work` in a transaction left open until `commit()`: an ingest that ended its task, not yet committed. */
async function openTransaction<T>(sql: Sql, work: (tx: Sql) => Promise<T>) {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let done: (value: T) => void = () => {};
  const result = new Promise<T>((resolve) => {
    done = resolve;
  });
  const committed = sql.begin(async (tx) => {
    done(await work(tx as unknown as Sql));
    await held;
  });
  return {
    result: await Promise.race([result, committed.then(() => result)]),
    commit: async () => {
      release();
      await committed;
    },
  };
}

const success = (rows: number): TaskOutcome => ({ status: 'success', rowsUpserted: rows });
const failure: TaskOutcome = { status: 'failed', error: 'not-found: No data found', rowsUpserted: 0 };

describe('ending a task', () => {
  it('does not wait for another task of the job whose transaction is still open', async () => {
    // Prepare: the first task ended in a transaction that has not committed (its WAL flush pending)
    const { tasks } = await jobOf(2);
    const first = await openTransaction(db.sql, (tx) => endTask(tx, tasks[0]?.id as number, success(5)));

    // Act: the second task ends in its own transaction, which would fail if it had to wait for the first
    const second = await db.sql.begin(async (tx) => {
      await tx`SET LOCAL lock_timeout = '10s'`;
      return endTask(tx as unknown as Sql, tasks[1]?.id as number, success(6));
    });
    await first.commit();

    // Assess
    expect([first.result, second]).toEqual([{ jobId: tasks[0]?.jobId }, { jobId: tasks[1]?.jobId }]);
  });

  it('shows a running job with the counts of its ended tasks', async () => {
    // Prepare
    const { job, tasks } = await jobOf(3);

    // Act
    await endTask(db.sql, tasks[0]?.id as number, success(7));
    await endTask(db.sql, tasks[1]?.id as number, failure);

    // Assess
    const expected = { status: 'running', tasksTotal: 3, tasksSucceeded: 1, tasksFailed: 1, rowsUpserted: 7 };
    expect(await getJob(db.sql, job.id)).toMatchObject(expected);
    expect((await listJobs(db.sql)).find((j) => j.id === job.id)).toMatchObject(expected);
  });
});

describe('settling a job', () => {
  it('ends it once, with both tasks counted, when two tasks end in overlapping transactions', async () => {
    // Prepare: both tasks ended, neither committed
    const { job, tasks } = await jobOf(2);
    const first = await openTransaction(db.sql, (tx) => endTask(tx, tasks[0]?.id as number, success(7)));
    const second = await openTransaction(db.sql, (tx) => endTask(tx, tasks[1]?.id as number, failure));

    // Act: the first commits and settles while the second is still open; then both settle at once
    await first.commit();
    const early = await settleJobs(db.sql, [job.id]);
    await second.commit();
    const late = await Promise.all([settleJobs(db.sql, [job.id]), settleJobs(db.sql, [job.id])]);

    // Assess
    expect(early).toEqual([{ jobId: job.id, finished: false, finishedNow: false }]);
    expect(
      late
        .flat()
        .map((s) => s.finishedNow)
        .sort(),
    ).toEqual([false, true]);
    const ended = await getJob(db.sql, job.id);
    expect(ended).toMatchObject({
      status: 'partial_failure',
      tasksSucceeded: 1,
      tasksFailed: 1,
      rowsUpserted: 7,
      errorSummary: {
        failedTasks: 1,
        failures: [
          { symbol: assets[1]?.symbol, start: '2024-01-01', end: '2024-12-31', error: failure.error },
        ],
      },
    });
    expect(ended.finishedAt).toBeInstanceOf(Date);
  });

  it('tells a settlement that waited for another one to commit that the job has ended, so it can announce it', async () => {
    // Prepare: the job's only task ended and committed; another caller's settlement holds the job row
    const { job, tasks } = await jobOf(1);
    await endTask(db.sql, tasks[0]?.id as number, success(3));
    const other = await openTransaction(db.sql, (tx) => settleJobs(tx, [job.id]));

    // Act: this settlement starts (its snapshot does not have the other's end) and waits for the row
    const waiting = settleJobs(db.sql, [job.id]);
    const blocked = await eventually(async () => {
      const [row] = await db.sql<{ waiting: number }[]>`
        SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%WITH settled AS%'`;
      return (row?.waiting ?? 0) > 0;
    });
    await other.commit();

    // Assess: the other ended the job; this one did not, but knows it has ended
    expect(blocked).toBe(true);
    expect(other.result).toEqual([{ jobId: job.id, finished: true, finishedNow: true }]);
    expect(await waiting).toEqual([{ jobId: job.id, finished: true, finishedNow: false }]);
  });

  it('ends the job exactly once, at the first settlement after the last commit, for any order of commits and settlements', async () => {
    const seed = Date.now();
    console.log(`settlement order property seed ${seed}`);
    // Each task's number twice, in any order: its first place is its commit, its second its settlement.
    const orders = fc.integer({ min: 1, max: 4 }).chain((n) =>
      fc.tuple(
        fc.shuffledSubarray([...Array(n).keys(), ...Array(n).keys()], {
          minLength: 2 * n,
          maxLength: 2 * n,
        }),
        fc.array(fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }), {
          minLength: n,
          maxLength: n,
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(orders, async ([order, rows]) => {
        const { job, tasks } = await jobOf(rows.length);
        const outcomes = rows.map((r) => (r === undefined ? failure : success(r)));
        const open = await Promise.all(
          tasks.map((t, i) => openTransaction(db.sql, (tx) => endTask(tx, t.id, outcomes[i] as TaskOutcome))),
        );
        const committed = new Set<number>();
        const endings: boolean[] = [];
        let expectedAt = -1;
        for (const i of order) {
          if (!committed.has(i)) {
            committed.add(i);
            await open[i]?.commit();
          } else {
            const [settled] = await settleJobs(db.sql, [job.id]);
            if (committed.size === tasks.length && expectedAt < 0) expectedAt = endings.length;
            endings.push(settled?.finishedNow ?? false);
          }
        }
        expect(endings.map((e, at) => [at, e]).filter(([, e]) => e)).toEqual([[expectedAt, true]]);
        const failed = outcomes.filter((o) => o.status === 'failed').length;
        expect(await getJob(db.sql, job.id)).toMatchObject({
          status: failed === 0 ? 'success' : failed === tasks.length ? 'failure' : 'partial_failure',
          tasksSucceeded: tasks.length - failed,
          tasksFailed: failed,
          rowsUpserted: outcomes.reduce((n, o) => n + o.rowsUpserted, 0),
        });
      }),
      { seed, numRuns: 25 },
    );
  });

  it('ends a job whose last task committed but never settled (its worker died), once', async () => {
    // Prepare
    const { job, tasks } = await jobOf(2);
    for (const task of tasks) await endTask(db.sql, task.id, success(3));

    // Act
    const swept = await settleAbandonedJobs(db.sql);
    const again = await settleAbandonedJobs(db.sql);

    // Assess
    expect(swept).toContain(job.id);
    expect(again).not.toContain(job.id);
    expect(await getJob(db.sql, job.id)).toMatchObject({
      status: 'success',
      tasksSucceeded: 2,
      rowsUpserted: 6,
    });
  });

  it('counts the task an open transaction was ending when the job is cancelled', async () => {
    // Prepare: one task ending, not yet committed, the other pending
    const { job, tasks } = await jobOf(2);
    const ending = await openTransaction(db.sql, (tx) => endTask(tx, tasks[0]?.id as number, success(9)));

    // Act: the cancellation waits for that task's commit
    const cancelled = cancelUnfinishedJob(db.sql, job.id, 'cancelled: by a test');
    const waiting = await eventually(async () => {
      const [row] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return row?.n === 1;
    });
    await ending.commit();
    const result = await cancelled;

    // Assess
    expect(waiting).toBe(true);
    expect(result).toMatchObject({ cancelled: true, tasksCancelled: 1 });
    expect(await getJob(db.sql, job.id)).toMatchObject({
      status: 'cancelled',
      tasksSucceeded: 1,
      tasksFailed: 0,
      rowsUpserted: 9,
    });
    expect(await settleJobs(db.sql, [job.id])).toEqual([
      { jobId: job.id, finished: true, finishedNow: false },
    ]);
  });
});
