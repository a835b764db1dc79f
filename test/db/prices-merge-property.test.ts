import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await seedAssets(db.sql, 8);
});
afterAll(async () => {
  await db.drop();
});

const DATES = days('2024-01-01', 90);
/** What a bar of the batch is against what is stored: new, stored alike, or stored with other prices. */
type Kind = 'absent' | 'new' | 'same' | 'changed';
const kindOf = fc.constantFrom<Kind>('absent', 'new', 'new', 'same', 'same', 'changed');
/** Per asset and date: bars of 8 assets x 90 days, at least 500 of them in the batch (the COPY path). */
const scenarioOf = fc
  .array(fc.array(kindOf, { minLength: DATES.length, maxLength: DATES.length }), {
    minLength: 8,
    maxLength: 8,
  })
  .filter((grid) => grid.flat().filter((k) => k !== 'absent').length >= 500);

describe('upsertDailyBars of a large batch over bars already stored', () => {
  it('stores exactly the batch over what was stored, logging a revision for each changed bar', async () => {
    const seed = Date.now();
    console.log(`large-batch merge property seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(scenarioOf, async (grid) => {
        // Prepare: the stored bars ('same' and 'changed' ones, with stored gaps elsewhere: 'new').
        await db.sql`TRUNCATE prices_daily, price_revisions`;
        const stored: DailyBar[] = [];
        const batch: DailyBar[] = [];
        grid.forEach((kinds, a) => {
          const original = makeBars([assets[a] as Asset], DATES);
          const other = makeBars([assets[a] as Asset], DATES, 0.25);
          kinds.forEach((kind, d) => {
            if (kind === 'same' || kind === 'changed') stored.push(original[d] as DailyBar);
            if (kind === 'new' || kind === 'same') batch.push(original[d] as DailyBar);
            if (kind === 'changed') batch.push(other[d] as DailyBar);
          });
        });
        if (stored.length > 0) await upsertDailyBars(db.sql, stored);

        // Act
        const result = await upsertDailyBars(db.sql, batch);

        // Assess
        const count = (kind: Kind) => grid.flat().filter((k) => k === kind).length;
        expect(result).toEqual({
          inserted: count('new'),
          updated: count('changed'),
          unchanged: count('same'),
        });
        const rows = await db.sql<{ key: string; close: string }[]>`
          SELECT asset_id || '|' || session_date AS key, close::text FROM prices_daily`;
        const expected = new Map(stored.map((b) => [`${b.assetId}|${b.sessionDate}`, String(b.close)]));
        for (const b of batch) expected.set(`${b.assetId}|${b.sessionDate}`, String(b.close));
        expect(new Map(rows.map((r) => [r.key, r.close]))).toEqual(expected);
        const [{ revisions }] = await db.sql<[{ revisions: number }]>`
          SELECT count(*)::int AS revisions FROM price_revisions WHERE new_close = old_close + 0.25`;
        expect(revisions).toBe(count('changed'));
      }),
      { seed, numRuns: 25 },
    );
  });
});
