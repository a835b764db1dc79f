import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import type { OutgoingMessage } from '#shared/queue/task-queue.ts';
import { loadUniverse } from '#shared/universe/universe.ts';
import { collectMarket } from '#shared/usecases/plan-collection.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { RecordingQueue } from './support/fakes.ts';
import { assetConfig, NOW, pipelineHarness } from './support/harness.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  // One inactive New York listing, which a collection must leave out.
  const universe = await loadUniverse();
  await syncAssets(db.sql, [...universe.assets, assetConfig('DELISTED', { active: false })]);
});
afterAll(async () => {
  await db.drop();
});

/** The most request starts that fall in any 1-second window (sliding, half-open). */
function peakPerSecond(instantsMs: number[]): number {
  const sorted = [...instantsMs].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** A message's not-before instant in ms after NOW. */
const offsetMs = (m: OutgoingMessage) => Date.parse(m.body.notBefore ?? '') - NOW.getTime();

describe('collectMarket', () => {
  it('collects the 7 XNYS sessions ending the previous Friday when run on a Monday at noon UTC', async () => {
    // Prepare
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const result = await collectMarket(deps, 'XNYS');

    // Assess
    expect(result).toMatchObject({ calendar: 'XNYS', start: '2025-02-27', end: '2025-03-07' });
    expect(getCalendar('XNYS').sessionsBetween(result.start, result.end)).toEqual([
      '2025-02-27',
      '2025-02-28',
      '2025-03-03',
      '2025-03-04',
      '2025-03-05',
      '2025-03-06',
      '2025-03-07',
    ]);
    expect(await getJob(db.sql, result.jobId)).toMatchObject({
      kind: 'scheduled',
      status: 'pending',
      market: 'XNYS',
      rangeStart: '2025-02-27',
      rangeEnd: '2025-03-07',
    });
  });

  it('ends the window at the last completed session of each calendar', async () => {
    // Prepare
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const seoul = await collectMarket(deps, 'XKRX');
    const crypto = await collectMarket(deps, '24/7');

    // Assess
    expect(seoul.end).toBe('2025-03-10'); // 15:30 in Seoul is 06:30 UTC: Monday's session is complete
    expect(getCalendar('XKRX').sessionsBetween(seoul.start, seoul.end)).toHaveLength(7);
    expect(crypto).toMatchObject({ start: '2025-03-03', end: '2025-03-09' });
  });

  it('plans one task per active asset of the calendar and none for other calendars', async () => {
    // Prepare
    const { deps } = pipelineHarness({ sql: db.sql });
    const newYork = await listAssets(db.sql, { activeOnly: true, calendar: 'XNYS' });

    // Act
    const result = await collectMarket(deps, 'XNYS');

    // Assess
    const tasks = await listTasks(db.sql, result.jobId);
    expect(tasks.map((t) => t.symbol)).toEqual(newYork.map((a) => a.symbol));
    expect(tasks).toHaveLength(13); // 12 sector ETFs and gold futures
    expect(tasks.map((t) => t.symbol)).not.toContain('DELISTED');
    expect(tasks.map((t) => t.symbol)).not.toContain('005930.KS');
    expect(tasks.every((t) => t.rangeStart === result.start && t.rangeEnd === result.end)).toBe(true);
    expect(result.tasks).toBe(13);
  });

  it('sends one message per task in batches of at most 10', async () => {
    // Prepare
    const { deps, queue } = pipelineHarness({ sql: db.sql });

    // Act
    const result = await collectMarket(deps, 'XNYS');

    // Assess
    const taskIds = (await listTasks(db.sql, result.jobId)).map((t) => t.id);
    expect(queue.batches.map((b) => b.length)).toEqual([10, 3]);
    expect(sorted(queue.messages.map((m) => m.body.taskId))).toEqual(sorted(taskIds));
    expect(queue.messages.map((m) => m.id)).toEqual(queue.messages.map((m) => String(m.body.taskId)));
    expect(queue.messages.every((m) => m.body.jobId === result.jobId)).toBe(true);
    expect(result.fanOut).toMatchObject({ sent: 13, failed: 0 });
  });

  it('spaces the tasks of one provider at its budget, with no 1 s window over the rate', async () => {
    // Prepare
    const { deps, queue } = pipelineHarness({
      sql: db.sql,
      settings: { providerBudgets: { yahoo: 2, upbit: 8 } },
    });

    // Act
    await collectMarket(deps, 'XNYS');

    // Assess
    const offsets = queue.messages.map(offsetMs);
    expect(offsets).toEqual(Array.from({ length: 13 }, (_, i) => i * 500));
    expect(peakPerSecond(offsets)).toBe(2);
    expect(queue.messages.map((m) => m.delaySeconds)).toEqual(offsets.map((ms) => Math.floor(ms / 1000)));
  });

  it('gives each provider a schedule of its own', async () => {
    // Prepare: 24/7 holds two Upbit markets and one Yahoo pair
    const { deps, queue } = pipelineHarness({
      sql: db.sql,
      settings: { providerBudgets: { yahoo: 2, upbit: 1 } },
    });
    const providerOf = new Map((await listAssets(db.sql)).map((a) => [a.symbol, a.provider]));

    // Act
    const result = await collectMarket(deps, '24/7');

    // Assess
    const symbolOf = new Map((await listTasks(db.sql, result.jobId)).map((t) => [t.id, t.symbol]));
    const startsOf = (provider: string) =>
      queue.messages
        .filter((m) => providerOf.get(symbolOf.get(m.body.taskId) ?? '') === provider)
        .map(offsetMs);
    expect(startsOf('upbit')).toEqual([0, 1_000]);
    expect(startsOf('yahoo')).toEqual([0]);
  });

  it('fails a task the queue rejects twice, with the reason, so that its job can still finish', async () => {
    // Prepare: the queue turns down the first message it is given, every time
    let victim: string | undefined;
    const queue = new RecordingQueue((m) => {
      victim ??= m.id;
      return m.id === victim;
    });
    const { deps } = pipelineHarness({ sql: db.sql, queue });

    // Act
    const result = await collectMarket(deps, 'XNYS');

    // Assess
    const tasks = await listTasks(db.sql, result.jobId);
    expect(tasks.find((t) => String(t.id) === victim)).toMatchObject({
      status: 'failed',
      error: 'could not enqueue the task: the queue rejected it twice',
    });
    expect(tasks.filter((t) => t.status === 'pending')).toHaveLength(12);
    expect(queue.messages.filter((m) => m.id === victim)).toHaveLength(2);
    expect(result.fanOut).toMatchObject({ sent: 12, failed: 1 });
    expect(await getJob(db.sql, result.jobId)).toMatchObject({ tasksFailed: 1, finishedAt: null });
  });
});

describe('collectMarket for a plan longer than the queue can delay', () => {
  beforeAll(async () => {
    const universe = await loadUniverse();
    const many = Array.from({ length: 2_000 }, (_, i) => assetConfig(`N${String(i).padStart(4, '0')}`));
    await syncAssets(db.sql, [...universe.assets, ...many]);
  });
  afterAll(async () => {
    await syncAssets(db.sql, (await loadUniverse()).assets);
  });

  it('caps every delay at 900 s and carries the rest of the start in notBefore, still within budget', async () => {
    // Prepare: 2,013 Yahoo tasks at 2 requests per second take about 17 minutes to start
    const { deps, queue } = pipelineHarness({
      sql: db.sql,
      settings: { providerBudgets: { yahoo: 2, upbit: 8 } },
    });

    // Act
    const result = await collectMarket(deps, 'XNYS');

    // Assess
    const offsets = queue.messages.map(offsetMs);
    expect(queue.messages).toHaveLength(2_013);
    expect(queue.batches.every((b) => b.length <= 10)).toBe(true);
    expect(Math.max(...queue.messages.map((m) => m.delaySeconds))).toBe(900);
    expect(Math.max(...offsets)).toBe(2_012 * 500);
    expect(result.fanOut.makespanSeconds).toBe(1_006);
    for (const m of queue.messages)
      expect(m.delaySeconds).toBe(Math.min(900, Math.floor(offsetMs(m) / 1000)));
    expect(queue.messages.filter((m) => offsetMs(m) > 900_000).length).toBeGreaterThan(200);
    expect(peakPerSecond(offsets)).toBe(2);
  });
});
