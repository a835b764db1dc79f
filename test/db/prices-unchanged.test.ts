import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { inTransaction } from '#shared/db/client.ts';
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

describe('upsertDailyBars of bars already stored with the same values', () => {
  it.each([
    ['a small batch (one unnest statement)', 0, 2, 30],
    ['a large batch (COPY into staging, then merge)', 2, 18, 250],
  ])('does not wait for another writer holding those rows (%s)', async (_, from, to, dayCount) => {
    // Prepare: the bars stored, and another transaction holding every stored row's lock.
    const bars = makeBars(assets.slice(from, to), days('2024-01-01', dayCount));
    await upsertDailyBars(db.sql, bars);
    const holder = await db.sql.reserve();
    await holder`BEGIN`;
    await holder`SELECT 1 FROM prices_daily FOR UPDATE`;
    try {
      // Act: the same bars again, giving up with 55P03 if they wait for a row lock.
      const result = await inTransaction(db.sql, async (tx) => {
        await tx`SET LOCAL lock_timeout = '10s'`;
        return upsertDailyBars(tx, bars);
      });

      // Assess: nothing to change, so nothing was locked or written.
      expect(result).toEqual({ inserted: 0, updated: 0, unchanged: bars.length });
    } finally {
      await holder`ROLLBACK`;
      holder.release();
    }
  });
});

describe('upsertDailyBars called several times in one transaction', () => {
  it('merges each large batch alone (the staging table is emptied between them)', async () => {
    // Prepare: a large batch (COPY path), the same bars with every price changed, and back again.
    const dates = days('2023-01-01', 300);
    const original = makeBars(assets.slice(0, 2), dates);
    const corrected = makeBars(assets.slice(0, 2), dates, 1);

    // Act
    const results = await inTransaction(db.sql, async (tx) => [
      await upsertDailyBars(tx, original),
      await upsertDailyBars(tx, corrected),
      await upsertDailyBars(tx, original),
    ]);

    // Assess
    expect(results).toEqual([
      { inserted: original.length, updated: 0, unchanged: 0 },
      { inserted: 0, updated: corrected.length, unchanged: 0 },
      { inserted: 0, updated: original.length, unchanged: 0 },
    ]);
  });
});
