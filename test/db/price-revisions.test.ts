import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { listRevisions, restateBars } from '#shared/db/price-revisions.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await seedAssets(db.sql, 20);
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`TRUNCATE prices_daily, price_revisions`;
});

const revisionCount = async () =>
  (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM price_revisions`)[0]?.n;

describe('upsertDailyBars and the revisions log', () => {
  it.each([
    ['a small batch (one unnest statement)', 2, 30],
    ['a large batch (COPY into staging, then merge)', 20, 250],
  ])('logs nothing when %s is delivered twice unchanged', async (_, assetCount, dayCount) => {
    const bars = makeBars(assets.slice(0, assetCount), days('2024-01-01', dayCount));
    await upsertDailyBars(db.sql, bars);
    await upsertDailyBars(db.sql, bars, { jobId: null, taskId: null });
    expect(await revisionCount()).toBe(0);
  });

  it.each([
    ['a small batch', 1, 30],
    ['a large batch', 20, 250],
  ])(
    'logs one revision with old and new values for each changed bar of %s',
    async (_, assetCount, dayCount) => {
      const bars = makeBars(assets.slice(0, assetCount), days('2024-01-01', dayCount));
      await upsertDailyBars(db.sql, bars);
      const corrected = bars.map((b, i) => (i === 3 ? { ...b, volume: b.volume + 17 } : b));
      const result = await upsertDailyBars(db.sql, corrected);
      const revisions = await listRevisions(db.sql);
      expect(result.updated).toBe(1);
      expect(revisions).toHaveLength(1);
      expect(revisions[0]).toMatchObject({
        symbol: assets[0]?.symbol,
        sessionDate: bars[3]?.sessionDate,
        cause: 'revision',
        old: { volume: bars[3]?.volume, close: bars[3]?.close },
        new: { volume: (bars[3]?.volume ?? 0) + 17, close: bars[3]?.close },
      });
    },
  );

  it('logs nothing for bars that are new, even when the batch also revises others', async () => {
    const dates = days('2024-01-01', 10);
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 1), dates.slice(0, 5)));
    const next = makeBars(assets.slice(0, 1), dates).map((b, i) => (i === 0 ? { ...b, open: b.low } : b));
    const result = await upsertDailyBars(db.sql, next);
    expect(result).toEqual({ inserted: 5, updated: 1, unchanged: 4 });
    expect(await revisionCount()).toBe(1);
  });

  it('records the job and task the change came with', async () => {
    const [job] = await db.sql<{ id: number }[]>`
      INSERT INTO job_runs (kind, range_start, range_end) VALUES ('scheduled', '2024-01-01', '2024-01-05')
      RETURNING id`;
    const [task] = await db.sql<{ id: number }[]>`
      INSERT INTO job_tasks (job_id, asset_id, range_start, range_end)
      VALUES (${job?.id ?? 0}, ${assets[0]?.id ?? 0}, '2024-01-01', '2024-01-05') RETURNING id`;
    const bars = makeBars(assets.slice(0, 1), days('2024-01-01', 5));
    await upsertDailyBars(db.sql, bars);
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 1), days('2024-01-01', 5), 1), {
      jobId: job?.id,
      taskId: task?.id,
    });
    const revisions = await listRevisions(db.sql);
    expect(revisions.map((r) => [r.jobId, r.taskId])).toEqual(Array(5).fill([job?.id, task?.id]));
  });
});

describe('restateBars', () => {
  it('puts earlier bars on the new basis and logs each one as a rebase revision', async () => {
    const asset = assets[0] as Asset;
    const bars = makeBars([asset], days('2024-01-01', 6));
    await upsertDailyBars(db.sql, bars);
    const restated = await restateBars(
      db.sql,
      { assetId: asset.id, source: 'yahoo', before: '2024-01-05', numerator: 2, denominator: 1 },
      {},
    );
    const revisions = await listRevisions(db.sql, { symbols: [asset.symbol] });
    expect(restated).toBe(4);
    expect(revisions.map((r) => r.cause)).toEqual(Array(4).fill('rebase'));
    const first = revisions.find((r) => r.sessionDate === '2024-01-01');
    expect(first?.new.close).toBeCloseTo((bars[0]?.close ?? 0) / 2, 10);
    expect(first?.new.volume).toBeCloseTo((bars[0]?.volume ?? 0) * 2, 6);
  });
});
