import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Asset, getAsset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { noteAnswered } from '#shared/db/listing.ts';
import { listingAfterAnswer } from '#shared/usecases/listing.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let asset: Asset;
beforeAll(async () => {
  db = await createTestDatabase();
  [asset] = (await seedAssets(db.sql, 1)) as [Asset];
});
afterAll(async () => {
  await db.drop();
});

class RolledBack extends Error {}

const day = fc
  .integer({ min: 0, max: 60 })
  .map((n) => new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 10));
const stateOf = fc.record({
  listedOn: fc.option(day, { nil: null }),
  suspected: fc.boolean(),
  firstStored: fc.option(day, { nil: null }),
  firstSession: fc.option(day, { nil: undefined }),
  earliestBar: fc.option(day, { nil: undefined }),
});

describe('listingAfterAnswer', () => {
  it('predicts what noteAnswered stores and whether it writes anything, for any stored state and answer', async () => {
    const seed = Date.now();
    console.log(`listingAfterAnswer property seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(stateOf, async (state) => {
        // Each case in a transaction rolled back at the end, so every case starts from the same asset.
        await db.sql
          .begin(async (raw) => {
            const tx = raw as unknown as Sql;
            // Prepare: the asset's listing, suspicion and first stored bar
            await tx`UPDATE assets SET listed_on = ${state.listedOn},
                       delisting_suspected_at = ${state.suspected ? new Date() : null} WHERE id = ${asset.id}`;
            if (state.firstStored)
              await tx`INSERT INTO prices_daily (asset_id, session_date, source, open, high, low, close, volume)
                       VALUES (${asset.id}, ${state.firstStored}, 'yahoo', 1, 1, 1, 1, 1)`;
            const before = await getAsset(tx, asset.id);
            const told = { firstSession: state.firstSession, earliestBar: state.earliestBar };

            // Act
            const predicted = listingAfterAnswer(before, told, state.firstStored);
            const stored = await noteAnswered(tx, asset.id, told);

            // Assess
            const after = await getAsset(tx, asset.id);
            const wrote =
              after.listedOn !== before.listedOn ||
              after.delistingSuspectedAt !== before.delistingSuspectedAt;
            expect([predicted.listedOn, predicted.changed]).toEqual([stored, wrote]);
            throw new RolledBack();
          })
          .catch((error: unknown) => {
            if (!(error instanceof RolledBack)) throw error;
          });
      }),
      { seed, numRuns: 60 },
    );
  });
});
