import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { countStoredBars, type StoredRange } from '#shared/db/coverage.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { storageSummary } from '#shared/db/status.ts';
import { addDays } from '#shared/domain/dates.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';

/*
 * Skip-existing planning and the storage summary give the answers of the full scans they replace
 * (kept inline below as the reference), on a database with history well outside the ranges asked
 * about, and read no bar of prices_daily.
 */

const HISTORY = { start: '2016-01-01', days: 3_300 }; // to 2025-01-13

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await seedAssets(db.sql, 4);
  const [a, b, c] = assets as [Asset, Asset, Asset];
  await upsertDailyBars(db.sql, makeBars([a, b], days(HISTORY.start, HISTORY.days)));
  // Holes, a second source and an asset with only recent history.
  await db.sql`DELETE FROM prices_daily WHERE asset_id = ${a.id} AND extract(dow FROM session_date) IN (0, 6)`;
  await db.sql`DELETE FROM prices_daily WHERE asset_id = ${b.id} AND session_date BETWEEN '2019-02-11' AND '2019-05-03'`;
  await upsertDailyBars(
    db.sql,
    makeBars([b], days('2020-06-15', 40)).map((bar) => ({ ...bar, source: 'stooq' })),
  );
  await upsertDailyBars(db.sql, makeBars([c], days('2024-03-30', 200)));
  await db.sql`ANALYZE prices_daily`;
});
afterAll(async () => {
  await db.drop();
});

/** The full count countStoredBars replaced. */
async function referenceCounts(ranges: readonly StoredRange[]): Promise<number[]> {
  const rows = await db.sql<{ stored: number }[]>`
    SELECT (SELECT count(*)::int FROM prices_daily p
            WHERE p.asset_id = r.asset_id AND p.session_date BETWEEN r.start_date AND r.end_date) AS stored
    FROM unnest(${ranges.map((r) => r.assetId)}::int[], ${ranges.map((r) => r.start)}::date[],
                ${ranges.map((r) => r.end)}::date[]) WITH ORDINALITY AS r(asset_id, start_date, end_date, n)
    ORDER BY r.n`;
  return rows.map((r) => r.stored);
}

/** Rows of prices_daily (heap and primary key) that `work` reads, from the transaction's own counters. */
async function barsRead(work: (tx: Sql) => Promise<unknown>): Promise<number> {
  return (await db.sql.begin(async (transaction) => {
    const tx = transaction as unknown as Sql;
    const soFar = async () => {
      const [read] = await tx<{ rows: number }[]>`
        SELECT (pg_stat_get_xact_tuples_returned('prices_daily'::regclass)
              + pg_stat_get_xact_tuples_returned('prices_daily_pkey'::regclass))::int AS rows`;
      return read?.rows ?? Number.NaN;
    };
    const before = await soFar();
    await work(tx);
    return (await soFar()) - before;
  })) as number;
}

const rangeOf = fc
  .record({
    asset: fc.integer({ min: 0, max: 3 }),
    offset: fc.integer({ min: -400, max: HISTORY.days + 400 }),
    length: fc.integer({ min: 0, max: 1_200 }),
  })
  .map(({ asset, offset, length }) => {
    const start = addDays(HISTORY.start, offset);
    return { assetId: assets[asset]?.id ?? 0, start, end: addDays(start, length) };
  });

describe('countStoredBars', () => {
  it('counts what a scan of prices_daily counts, for any ranges inside, across or outside the history', async () => {
    const seed = Date.now();
    console.log(`countStoredBars property seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(fc.array(rangeOf, { minLength: 1, maxLength: 30 }), async (ranges) => {
        expect(await countStoredBars(db.sql, ranges)).toEqual(await referenceCounts(ranges));
      }),
      { seed, numRuns: 60 },
    );
  });

  it('reads no bar of prices_daily, however long the ranges', async () => {
    // Prepare: three years of one asset, starting and ending mid-month.
    const [a] = assets as [Asset];
    const ranges = [{ assetId: a.id, start: '2017-03-17', end: '2020-03-10' }];

    // Act
    const read = await barsRead((tx) => countStoredBars(tx, ranges));

    // Assess
    expect(read).toBe(0);
    expect(await countStoredBars(db.sql, ranges)).toEqual(await referenceCounts(ranges));
  });

  it('keeps its day masks equal to prices_daily through fresh, conflicting and deleted bars', async () => {
    // Prepare
    const [, , , d] = assets as [Asset, Asset, Asset, Asset];
    await upsertDailyBars(db.sql, makeBars([d], days('2023-01-20', 700))); // COPY path
    await upsertDailyBars(db.sql, makeBars([d], days('2023-01-10', 30), 1)); // overlaps: revised and new
    await upsertDailyBars(db.sql, makeBars([d], days('2024-06-01', 3))); // small batch, unchanged

    // Act
    await db.sql`DELETE FROM prices_daily WHERE asset_id = ${d.id} AND session_date BETWEEN '2023-05-05' AND '2023-07-01'`;

    // Assess
    const months = await db.sql`
      SELECT asset_id, month, source, days FROM asset_month_bars WHERE asset_id = ${d.id} ORDER BY month, source`;
    const truth = await db.sql`
      SELECT asset_id, date_trunc('month', session_date::timestamp)::date AS month, source,
             sum(1 << (extract(day FROM session_date)::int - 1))::int AS days
      FROM prices_daily WHERE asset_id = ${d.id} GROUP BY 1, 2, 3 ORDER BY 2, 3`;
    expect(months).toEqual(truth);
    expect(months.length).toBeGreaterThan(20);
  });
});

describe('storageSummary', () => {
  it('gives the counts and spans of a scan of prices_daily without reading a bar', async () => {
    // Prepare
    const reference = await db.sql`
      SELECT a.calendar, count(DISTINCT a.id) FILTER (WHERE a.active)::int AS active_assets,
             count(p.asset_id)::int AS bars, min(p.session_date) AS first_session, max(p.session_date) AS last_session
      FROM assets a LEFT JOIN prices_daily p ON p.asset_id = a.id GROUP BY a.calendar ORDER BY a.calendar`;

    // Act
    let summary: unknown;
    const read = await barsRead(async (tx) => {
      summary = await storageSummary(tx);
    });

    // Assess
    expect(summary).toEqual([...reference]);
    expect(read).toBe(0);
  });
});
