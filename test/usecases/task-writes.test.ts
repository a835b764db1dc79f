import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { endTask, getTask, startTask } from '#shared/db/jobs.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';
import {
  GROUP_WAIT_MS,
  TaskAlreadyEndedError,
  type TaskWrite,
  WriteGroup,
  type WriteResult,
} from '#shared/usecases/task-writes.ts';
import { backfillJob } from '#test/functions/support/jobs.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars } from '#test/support/fixtures.ts';
import { recordingLog } from '#test/support/recording-log.ts';

const DATES = days('2024-03-01', 600); // above the COPY threshold of a single upsert
const START = DATES[0] as string;
const END = DATES.at(-1) as string;
const ASSET = {
  category: 'stock',
  calendar: 'XNYS',
  provider: 'yahoo',
  currency: 'USD',
  active: true,
} as const satisfies Partial<AssetConfig>;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** Every test's assets: syncAssets deactivates the symbols it is not given. */
const universe: AssetConfig[] = [];
/** `count` new assets with one running task each over DATES, and each task's write of DATES' bars. */
async function runningWrites(count: number): Promise<TaskWrite[]> {
  const symbols = Array.from({ length: count }, (_, i) => `W${universe.length + i}`);
  universe.push(...symbols.map((symbol) => ({ ...ASSET, symbol, providerSymbol: symbol, name: symbol })));
  await syncAssets(db.sql, universe);
  const assets = await listAssets(db.sql, { symbols });
  const { tasks } = await backfillJob(db.sql, symbols, START, END);
  return Promise.all(
    assets.map(async (asset, i) => {
      const task = tasks[i] as JobTask;
      await startTask(db.sql, task.id, task.jobId);
      return {
        asset,
        task,
        bars: makeBars([asset], DATES),
        rebase: null,
        noneStoredBefore: true,
        warnings: [],
        flags: [],
      };
    }),
  );
}

async function storedRows(assetId: number): Promise<number> {
  const [row] = await db.sql<[{ n: number }]>`
    SELECT count(*)::int AS n FROM prices_daily WHERE asset_id = ${assetId}`;
  return row.n;
}

/** The transaction ids that last wrote the tasks' rows: one id when one transaction ended them all. */
async function writersOf(writes: readonly TaskWrite[]): Promise<Set<string>> {
  const rows = await db.sql<{ xmin: string }[]>`
    SELECT xmin::text FROM job_tasks WHERE id = ANY(${writes.map((w) => w.task.id)}::bigint[])`;
  return new Set(rows.map((r) => r.xmin));
}

describe('a write group', () => {
  it('commits the writes of a batch in one transaction, with their new bars in full', async () => {
    // Prepare
    const writes = await runningWrites(3);
    const group = new WriteGroup(writes.length);
    const deps = { sql: db.sql, log: recordingLog() };

    // Act
    const results = await Promise.all(writes.map((w) => group.member().write(deps, w)));

    // Assess
    expect(results.map((r) => r.revised)).toEqual([0, 0, 0]);
    expect((await writersOf(writes)).size).toBe(1);
    for (const w of writes) {
      expect(await getTask(db.sql, w.task.id)).toMatchObject({
        status: 'success',
        rowsUpserted: DATES.length,
      });
      expect(await storedRows(w.asset.id)).toBe(DATES.length);
    }
  });

  it('fails only the write whose task another delivery ended; the others commit', async () => {
    // Prepare
    const writes = await runningWrites(3);
    const ended = writes[1] as TaskWrite;
    await endTask(db.sql, ended.task.id, { status: 'failed', error: 'dead-lettered', rowsUpserted: 0 });
    const group = new WriteGroup(writes.length);
    const log = recordingLog();

    // Act
    const results = await Promise.allSettled(
      writes.map((w) => group.member().write({ sql: db.sql, log }, w)),
    );

    // Assess
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TaskAlreadyEndedError);
    expect(await getTask(db.sql, ended.task.id)).toMatchObject({ status: 'failed', error: 'dead-lettered' });
    expect(await storedRows(ended.asset.id)).toBe(0);
    for (const w of [writes[0], writes[2]] as TaskWrite[]) {
      expect(await getTask(db.sql, w.task.id)).toMatchObject({ status: 'success' });
      expect(await storedRows(w.asset.id)).toBe(DATES.length);
    }
    expect(log.entries.map((e) => e.message)).toContain('batch write retried task by task');
    // Each committed alone, so each settles its job: one settle could run before another's commit.
    for (const r of [results[0], results[2]])
      expect((r as PromiseFulfilledResult<WriteResult>).value.settlesJob).toBe(true);
  });

  it('has one write of each job settle it, for all of that job’s writes it committed', async () => {
    // Prepare: two jobs of two tasks each, their writes interleaved in the batch
    const [a1, a2] = await runningWrites(2);
    const [b1, b2] = await runningWrites(2);
    const writes = [a1, b1, a2, b2] as TaskWrite[];
    const group = new WriteGroup(writes.length);
    const deps = { sql: db.sql, log: recordingLog() };

    // Act
    const results = await Promise.all(writes.map((w) => group.member().write(deps, w)));

    // Assess
    expect((await writersOf(writes)).size).toBe(1);
    expect(results.map((r) => r.settlesJob)).toEqual([false, false, true, true]);
  });

  it('merges bars stored since a task looked, and logs their revisions with that task', async () => {
    // Prepare: the second task's range was empty as it started; another writer filled it since.
    const writes = await runningWrites(2);
    const late = writes[1] as TaskWrite;
    await upsertDailyBars(db.sql, makeBars([late.asset], DATES, 3));
    const group = new WriteGroup(writes.length);
    const deps = { sql: db.sql, log: recordingLog() };

    // Act
    const results = await Promise.all(writes.map((w) => group.member().write(deps, w)));

    // Assess
    expect(results.map((r) => r.revised)).toEqual([0, DATES.length]);
    expect((await writersOf(writes)).size).toBe(1);
    const [revisions] = await db.sql<[{ n: number; tasks: string[] }]>`
      SELECT count(*)::int AS n, array_agg(DISTINCT task_id::text) AS tasks
      FROM price_revisions WHERE asset_id = ${late.asset.id}`;
    expect(revisions).toEqual({ n: DATES.length, tasks: [String(late.task.id)] });
    expect(await storedRows((writes[0] as TaskWrite).asset.id)).toBe(DATES.length);
  });

  it('lets two groups whose fresh and stored writes cross commit side by side, without a deadlock', async () => {
    // Prepare: two assets with two tasks each; in one group A's task is fresh and B's is not, in the
    // other the reverse. Fresh COPY first and merges after would lock B after A in one group and A
    // after B in the other.
    const [a1, b1] = await runningWrites(2);
    const [a2, b2] = await Promise.all(
      [a1, b1].map(async (w) => {
        const { tasks } = await backfillJob(db.sql, [(w as TaskWrite).asset.symbol], START, END);
        const task = tasks[0] as JobTask;
        await startTask(db.sql, task.id, task.jobId);
        return { ...(w as TaskWrite), task, bars: makeBars([(w as TaskWrite).asset], DATES, 1) };
      }),
    );
    const stored = (w: TaskWrite) => ({ ...w, noneStoredBefore: false });
    const first = [a1 as TaskWrite, stored(b1 as TaskWrite)];
    const second = [stored(a2 as TaskWrite), b2 as TaskWrite];
    const log = recordingLog();
    const deps = { sql: db.sql, log };

    // Act
    const [one, two] = [new WriteGroup(2), new WriteGroup(2)];
    const results = await Promise.all([
      ...first.map((w) => one.member().write(deps, w)),
      ...second.map((w) => two.member().write(deps, w)),
    ]);

    // Assess: both groups committed whole, neither fell back to single writes.
    expect(results).toHaveLength(4);
    expect(log.entries.map((e) => e.message)).not.toContain('batch write retried task by task');
    expect((await writersOf(first)).size).toBe(1);
    expect((await writersOf(second)).size).toBe(1);
  });

  it('commits once the members that did not write have left', async () => {
    // Prepare
    const [write] = await runningWrites(1);
    const group = new WriteGroup(3, 600_000); // no wait ends it: the leaving does
    const [writer, left, failed] = [group.member(), group.member(), group.member()];

    // Act
    const written = writer.write({ sql: db.sql, log: recordingLog() }, write as TaskWrite);
    left.leave();
    failed.leave();

    // Assess
    await expect(written).resolves.toEqual({ revised: 0, settlesJob: true });
    expect(await getTask(db.sql, (write as TaskWrite).task.id)).toMatchObject({ status: 'success' });
  });

  it('holds a write for a member that never comes at most its wait, then commits it', async () => {
    // Prepare
    const [write, later] = await runningWrites(2);
    const group = new WriteGroup(2, 50);
    const deps = { sql: db.sql, log: recordingLog() };

    const timers = vi.spyOn(globalThis, 'setTimeout');

    // Act: the second member neither writes nor leaves within the wait.
    let afterwards: WriteResult;
    let waits: unknown[];
    try {
      await group.member().write(deps, write as TaskWrite);
      afterwards = await group.member().write(deps, later as TaskWrite);
      waits = timers.mock.calls.map(([, ms]) => ms);
    } finally {
      timers.mockRestore();
    }

    // Assess: two commits, one per write, the first ended by its group's wait and not the default one.
    // (The first write's promise cannot settle otherwise: its group's other member has not come.)
    expect(waits).toContain(50);
    expect(waits).not.toContain(GROUP_WAIT_MS);
    expect(afterwards).toEqual({ revised: 0, settlesJob: true });
    expect((await writersOf([write, later] as TaskWrite[])).size).toBe(2);
  });
});
