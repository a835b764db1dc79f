import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { latestSessionGroups } from '#shared/db/coverage.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await seedAssets(db.sql, 30);
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.sql`TRUNCATE prices_daily`;
});

/** What the coverage table must always equal. */
async function truth() {
  return db.sql`SELECT asset_id, source, min(session_date) AS first_session, max(session_date) AS latest_session
                FROM prices_daily GROUP BY 1, 2 ORDER BY 1, 2`;
}
async function coverage() {
  return db.sql`SELECT asset_id, source, first_session, latest_session FROM asset_coverage ORDER BY 1, 2`;
}

describe('asset coverage', () => {
  it('follows small upserts, bulk COPY upserts and out-of-order history', async () => {
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 2), days('2024-06-01', 10)));
    await upsertDailyBars(db.sql, makeBars(assets, days('2023-01-01', 100)));
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 1), days('2024-12-30', 3)));
    expect(await coverage()).toEqual(await truth());
  });

  it('recomputes on delete and empties on truncate', async () => {
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 3), days('2024-01-01', 20)));
    await db.sql`DELETE FROM prices_daily WHERE session_date > '2024-01-15' AND asset_id = ${assets[0]?.id ?? 0}`;
    await db.sql`DELETE FROM prices_daily WHERE asset_id = ${assets[1]?.id ?? 0}`;
    expect(await coverage()).toEqual(await truth());
    await db.sql`TRUNCATE prices_daily`;
    expect(await coverage()).toEqual([]);
  });

  it('gives each active asset its latest session, null when nothing is stored', async () => {
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 1), days('2024-01-01', 5)));
    const groups = await latestSessionGroups(db.sql);
    const latest = new Map(groups.flatMap((g) => g.symbols.map((symbol) => [symbol, g.latest])));
    expect(latest.get(assets[0]?.symbol ?? '')).toBe('2024-01-05');
    expect(latest.get(assets[1]?.symbol ?? '')).toBeNull();
    expect(latest.size).toBe(assets.length);
  });

  it('returns the assets that share calendar, latest session and suspicion as one group', async () => {
    // Prepare: ten assets up to date, the rest with nothing stored.
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 10), days('2024-01-01', 5)));

    // Act
    const groups = await latestSessionGroups(db.sql);

    // Assess: one row per distinct (calendar, latest, suspected), however many assets share it.
    expect(groups).toHaveLength(2);
    const stored = groups.find((g) => g.latest === '2024-01-05');
    const empty = groups.find((g) => g.latest === null);
    expect(stored?.symbols.sort()).toEqual(assets.slice(0, 10).map((a) => a.symbol));
    expect(empty?.symbols).toHaveLength(assets.length - 10);
    expect(groups.every((g) => g.calendar === 'XNYS' && !g.delistingSuspected)).toBe(true);
  });
});
