import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import { type Asset, listAssets } from '#shared/db/assets.ts';
import { finishTask, getJob, listTasks, startTask } from '#shared/db/jobs.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { addDays, daysBetween } from '#shared/domain/dates.ts';
import { InputError } from '#shared/domain/errors.ts';
import { type PlannedTask, planBackfill } from '#shared/usecases/plan-backfill.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { makeBars } from '#test/support/fixtures.ts';
import { NOW, pipelineHarness } from './support/harness.ts';

let db: TestDatabase;
let bySymbol: Map<string, Asset>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  bySymbol = new Map((await listAssets(db.sql)).map((a) => [a.symbol, a]));
});
afterAll(async () => {
  await db.drop();
});

const asset = (symbol: string) => bySymbol.get(symbol) as Asset;
const sessions = (calendar: CalendarId, start: string, end: string) =>
  getCalendar(calendar).sessionsBetween(start, end);
const chunksOf = (tasks: PlannedTask[], symbol: string) => tasks.filter((t) => t.symbol === symbol);

async function counts(): Promise<{ jobs: number; tasks: number; assets: number }> {
  const [row] = await db.sql<{ jobs: number; tasks: number; assets: number }[]>`
    SELECT (SELECT count(*)::int FROM job_runs) AS jobs, (SELECT count(*)::int FROM job_tasks) AS tasks,
           (SELECT count(*)::int FROM assets) AS assets`;
  return row as { jobs: number; tasks: number; assets: number };
}

describe('planBackfill chunks', () => {
  it('splits three years into chunks of at most chunkDays, each with its calendar session count', async () => {
    // Prepare: yearly chunks (the default is three years)
    const { deps, queue } = pipelineHarness({ sql: db.sql, settings: { chunkDays: 366 } });

    // Act
    const result = await planBackfill(deps, {
      start: '2022-01-01',
      end: '2024-12-31',
      assets: ['SPY', 'KRW-BTC'],
    });

    // Assess
    const spy = chunksOf(result.tasks, 'SPY');
    expect(spy.map((c) => [c.start, c.end])).toEqual([
      ['2022-01-01', '2023-01-01'],
      ['2023-01-02', '2024-01-02'],
      ['2024-01-03', '2024-12-31'],
    ]);
    expect(spy.map((c) => c.sessions)).toEqual(spy.map((c) => sessions('XNYS', c.start, c.end).length));
    expect(spy.reduce((n, c) => n + c.sessions, 0)).toBe(sessions('XNYS', '2022-01-01', '2024-12-31').length);
    const btc = chunksOf(result.tasks, 'KRW-BTC');
    expect(btc.map((c) => c.sessions)).toEqual([366, 366, 364]);
    const stored = await listTasks(db.sql, result.jobId as number);
    expect(stored.map((t) => [t.symbol, t.rangeStart, t.rangeEnd])).toEqual(
      [...btc, ...spy].map((c) => [c.symbol, c.start, c.end]),
    );
    expect(queue.messages).toHaveLength(6);
  });

  it('tiles any range with aligned chunks that hold exactly its sessions, whatever the chunk size', async () => {
    const range = fc.record({
      startOffset: fc.integer({ min: 0, max: 3_650 }),
      length: fc.integer({ min: 0, max: 1_500 }),
      chunkDays: fc.integer({ min: 1, max: 400 }),
    });
    await fc.assert(
      fc.asyncProperty(range, async ({ startOffset, length, chunkDays }) => {
        // Prepare
        const start = addDays('2015-03-10', startOffset);
        const end = [addDays(start, length), '2025-03-10'].sort()[0] as string;
        const { deps } = pipelineHarness({ sql: db.sql, settings: { chunkDays } });

        // Act
        const { tasks } = await planBackfill(deps, {
          start,
          end,
          assets: ['SPY', '005930.KS', 'KRW-BTC'],
          dryRun: true,
        });

        // Assess
        for (const symbol of ['SPY', '005930.KS', 'KRW-BTC']) {
          const calendar = getCalendar(asset(symbol).calendar);
          const last = calendar.expectedLastSession(NOW);
          const chunks = chunksOf(tasks, symbol);
          for (const c of chunks) {
            expect(daysBetween(start, c.start) % chunkDays).toBe(0);
            expect(daysBetween(c.start, c.end)).toBeLessThan(chunkDays);
            expect(c.sessions).toBe(calendar.sessionsBetween(c.start, c.end).length);
            expect(c.sessions).toBeGreaterThan(0);
          }
          const covered = chunks.flatMap((c) => calendar.sessionsBetween(c.start, c.end));
          const clippedEnd = end < last ? end : last;
          expect(covered).toEqual(start <= clippedEnd ? calendar.sessionsBetween(start, clippedEnd) : []);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('clips the range to the last completed session of each asset’s calendar', async () => {
    // Prepare
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const result = await planBackfill(deps, {
      start: '2025-03-01',
      end: '2025-03-10',
      assets: ['SPY', '005930.KS', 'KRW-BTC'],
      dryRun: true,
    });

    // Assess
    expect(result.tasks.map((t) => [t.symbol, t.end])).toEqual([
      ['005930.KS', '2025-03-10'],
      ['KRW-BTC', '2025-03-09'],
      ['SPY', '2025-03-07'],
    ]);
  });

  it('records a job with nothing to fetch as a finished success and announces it', async () => {
    // Prepare: a weekend holds no New York session
    const { deps, events, queue } = pipelineHarness({ sql: db.sql });

    // Act
    const result = await planBackfill(deps, { start: '2025-03-08', end: '2025-03-09', assets: ['SPY'] });

    // Assess
    expect(result.tasks).toEqual([]);
    expect(await getJob(db.sql, result.jobId as number)).toMatchObject({ status: 'success', tasksTotal: 0 });
    expect(events.ofType('JobFinished').map((e) => e.detail)).toEqual([
      expect.objectContaining({ jobId: result.jobId, status: 'success', tasksTotal: 0 }),
    ]);
    expect(queue.messages).toEqual([]);
  });

  it('with skipExisting leaves out only the chunks whose every session is stored', async () => {
    // Prepare: the first year of XLK complete, the second one session short, the third empty
    const { deps } = pipelineHarness({ sql: db.sql, settings: { chunkDays: 366 } });
    const xlk = asset('XLK');
    const first = sessions('XNYS', '2022-01-01', '2023-01-01');
    const second = sessions('XNYS', '2023-01-02', '2024-01-02');
    await upsertDailyBars(db.sql, makeBars([xlk], [...first, ...second.slice(1)]));

    // Act
    const result = await planBackfill(deps, {
      start: '2022-01-01',
      end: '2024-12-31',
      assets: ['XLK'],
      skipExisting: true,
    });

    // Assess
    expect(result.skipped).toBe(1);
    expect(result.tasks.map((t) => [t.start, t.end])).toEqual([
      ['2023-01-02', '2024-01-02'],
      ['2024-01-03', '2024-12-31'],
    ]);
    expect((await listTasks(db.sql, result.jobId as number)).map((t) => t.rangeStart)).toEqual([
      '2023-01-02',
      '2024-01-03',
    ]);
  });

  it('with dryRun returns the plan and writes no job, task or message', async () => {
    // Prepare
    const { deps, queue, events } = pipelineHarness({ sql: db.sql });
    const before = await counts();

    // Act
    const result = await planBackfill(deps, { start: '2024-01-01', end: '2024-12-31', dryRun: true });

    // Assess
    expect(result).toMatchObject({ jobId: null, dryRun: true, skipped: 0 });
    expect(result.tasks).toHaveLength(20);
    expect(await counts()).toEqual(before);
    expect(queue.messages).toEqual([]);
    expect(events.events).toEqual([]);
  });
});

describe('planBackfill retryFailedOf', () => {
  it('re-plans exactly the failed tasks of a finished job, over the job’s range', async () => {
    // Prepare: six half-year tasks, two of which fail
    const { deps } = pipelineHarness({ sql: db.sql, settings: { chunkDays: 183 } });
    const original = await planBackfill(deps, {
      start: '2024-01-01',
      end: '2024-12-31',
      assets: ['XLV', 'XLF', 'XLE'],
    });
    const tasks = await listTasks(db.sql, original.jobId as number);
    const failing = [tasks[1], tasks[4]].map((t) => t?.id);
    for (const task of tasks) {
      await startTask(db.sql, task.id, task.jobId);
      await finishTask(
        db.sql,
        task.id,
        failing.includes(task.id)
          ? { status: 'failed', error: 'failed: HTTP 503', rowsUpserted: 0 }
          : { status: 'success', rowsUpserted: 1 },
      );
    }
    const retry = pipelineHarness({ sql: db.sql });

    // Act
    const result = await planBackfill(retry.deps, { retryFailedOf: original.jobId });

    // Assess
    const failed = tasks.filter((t) => failing.includes(t.id));
    const replanned = await listTasks(db.sql, result.jobId as number);
    expect(replanned.map((t) => [t.symbol, t.rangeStart, t.rangeEnd])).toEqual(
      failed.map((t) => [t.symbol, t.rangeStart, t.rangeEnd]),
    );
    for (const planned of result.tasks) {
      expect(planned.sessions).toBe(sessions('XNYS', planned.start, planned.end).length);
    }
    expect(await getJob(db.sql, result.jobId as number)).toMatchObject({
      kind: 'backfill',
      rangeStart: '2024-01-01',
      rangeEnd: '2024-12-31',
      assets: [...new Set(failed.map((t) => t.symbol))].sort(),
      tasksTotal: 2,
    });
    expect(sortedIds(retry.queue.messages.map((m) => m.body.taskId))).toEqual(
      sortedIds(replanned.map((t) => t.id)),
    );
  });

  it('refuses to retry a job that has not finished yet', async () => {
    // Prepare
    const { deps } = pipelineHarness({ sql: db.sql });
    const running = await planBackfill(deps, { start: '2024-01-01', end: '2024-01-31', assets: ['XLU'] });
    const before = await counts();

    // Act
    const attempt = planBackfill(deps, { retryFailedOf: running.jobId });

    // Assess
    await expect(attempt).rejects.toThrow(
      new InputError(
        `backfill: job ${running.jobId} is still pending; retry it once it ends (if it is stuck, end it with: jobs cancel ${running.jobId}, or jobs reap)`,
      ),
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses to retry a job that does not exist', async () => {
    // Prepare
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const attempt = planBackfill(deps, { retryFailedOf: 999_999 });

    // Assess
    await expect(attempt).rejects.toThrow(
      new InputError('backfill: retryFailedOf: job 999999 does not exist'),
    );
  });
});

const sortedIds = (ids: number[]) => [...ids].sort((a, b) => a - b);

describe('planBackfill validation', () => {
  const cases: [string, Record<string, unknown>, string | RegExp][] = [
    [
      'an end before the start',
      { start: '2024-02-01', end: '2024-01-01' },
      'backfill: end 2024-01-01 is before start 2024-02-01',
    ],
    [
      'an unknown asset',
      { start: '2024-01-01', end: '2024-01-31', assets: ['SPY', 'NOPE'] },
      'backfill: unknown asset "NOPE"; add it to the universe first',
    ],
    [
      'a malformed date',
      { start: '2024-13-01', end: '2024-12-31' },
      'backfill: start: expected a date YYYY-MM-DD, got "2024-13-01"',
    ],
    [
      'a start in the future',
      { start: '2025-03-11', end: '2025-03-12' },
      'backfill: start 2025-03-11 is in the future (today is 2025-03-10 UTC)',
    ],
    [
      'an end in the future',
      { start: '2025-03-01', end: '2025-03-11' },
      'backfill: end 2025-03-11 is in the future (today is 2025-03-10 UTC)',
    ],
    [
      'a span beyond the maximum',
      { start: '1994-01-01', end: '2025-01-01' },
      'backfill: 1994-01-01..2025-01-01 spans 11324 days, more than the maximum 10980; split it',
    ],
    [
      'a start before the calendar begins',
      { start: '1989-06-01', end: '1990-06-01', assets: ['SPY'] },
      "backfill: start 1989-06-01 is before SPY's XNYS calendar begins (1990-01-01)",
    ],
    [
      'an unknown field',
      { start: '2024-01-01', end: '2024-01-31', force: true },
      'backfill: request: unknown field "force"',
    ],
    [
      'no dates and no job to retry',
      { assets: ['SPY'] },
      'backfill: give both start and end (YYYY-MM-DD), or retryFailedOf with a job id',
    ],
    [
      'an injection-looking symbol',
      { start: '2024-01-01', end: '2024-01-31', assets: ["SPY'; DROP TABLE assets;--"] },
      'backfill: assets.0: expected a symbol: 1-32 printable ASCII characters',
    ],
    [
      'a symbol with a line break',
      { start: '2024-01-01', end: '2024-01-31', assets: ['SPY\nXLK'] },
      'backfill: assets.0: expected a symbol: 1-32 printable ASCII characters',
    ],
  ];

  it.each(cases)(
    'rejects %s with a one-line InputError and writes nothing',
    async (_name, request, message) => {
      // Prepare
      const { deps, queue } = pipelineHarness({ sql: db.sql });
      const before = await counts();

      // Act
      const error = await planBackfill(deps, request).then(
        () => undefined,
        (e: unknown) => e,
      );

      // Assess
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toEqual(message);
      expect((error as InputError).message).not.toMatch(/[\r\n]/);
      expect(await counts()).toEqual(before);
      expect(queue.messages).toEqual([]);
    },
  );
});
