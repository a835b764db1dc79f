import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { addDays } from '#shared/domain/dates.ts';
import { type AssetFreshness, assessFreshness } from '#shared/usecases/freshness.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, NOW, useAssets } from './support/harness.ts';

/*
 * The freshness check reads assets in groups (calendar, latest session, suspicion) instead of a row
 * each; it must list exactly what the per-asset query it replaced listed (kept inline below), for any
 * mix of calendars, sources, suspicions and assets with nothing stored, in the same order.
 */

const CALENDARS: CalendarId[] = ['XNYS', 'XKRX', '24/7'];
// Punctuation and case where byte order and a linguistic collation disagree, so the order is tested.
const SYMBOLS = [
  'BRK-B',
  'BRK.A',
  'BRKA',
  '^GSPC',
  'a1',
  'A1',
  'Z',
  '005930.KS',
  'KRW-BTC',
  'KRW-ETH',
  'SPY',
  'QQQ',
];

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  // Two more assets deactivated: they are never listed.
  await useAssets(db.sql, [assetConfig('OLD1'), assetConfig('OLD2')]);
  assets = await useAssets(
    db.sql,
    SYMBOLS.map((s, i) => assetConfig(s, { calendar: CALENDARS[i % 3] as CalendarId })),
  );
});
afterAll(async () => {
  await db.drop();
});

/** The per-asset query and mapping the grouped read replaced. */
async function reference(): Promise<AssetFreshness[]> {
  const rows = await db.sql<
    { symbol: string; calendar: CalendarId; latest: string | null; suspected: boolean }[]
  >`
    SELECT a.symbol, a.calendar, c.latest, a.delisting_suspected_at IS NOT NULL AS suspected
    FROM assets a
    LEFT JOIN (SELECT asset_id, max(latest_session) AS latest FROM asset_coverage GROUP BY asset_id) c
      ON c.asset_id = a.id
    WHERE a.active ORDER BY a.symbol`;
  return rows.map((a) => {
    const calendar = getCalendar(a.calendar);
    const expected = calendar.expectedLastSession(NOW);
    const stale = a.latest === null || a.latest < expected;
    return {
      symbol: a.symbol,
      calendar: a.calendar,
      latest: a.latest,
      expected,
      status: stale ? (a.suspected ? 'SUSPECTED_DELISTED' : 'STALE') : 'OK',
      missingSessions: !stale
        ? 0
        : a.latest === null
          ? null
          : calendar.sessionsBetween(a.latest, expected).length - 1,
    };
  });
}

/** Per asset: its latest bar from each of two sources (days before NOW, or none) and its suspicion. */
const storedOf = fc.array(
  fc.record({
    yahoo: fc.option(fc.integer({ min: -1, max: 12 })),
    stooq: fc.option(fc.integer({ min: -1, max: 12 }), { freq: 3 }),
    suspected: fc.boolean(),
  }),
  { minLength: SYMBOLS.length, maxLength: SYMBOLS.length },
);

describe('assessFreshness', () => {
  it('lists every active asset as the per-asset query did, for any mix of sources, suspicions and empty assets', async () => {
    const seed = Date.now();
    console.log(`freshness groups property seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(storedOf, async (stored) => {
        // Prepare
        await db.sql`TRUNCATE prices_daily`;
        const bars = stored.flatMap((s, i) =>
          (['yahoo', 'stooq'] as const).flatMap((source) => {
            const back = s[source];
            if (back === null) return [];
            const bar = { open: 10, high: 11, low: 9, close: 10, adjClose: 10, volume: 100 };
            const sessionDate = addDays(NOW.toISOString().slice(0, 10), -back);
            return [{ ...bar, assetId: (assets[i] as Asset).id, source, sessionDate }];
          }),
        );
        if (bars.length > 0) await upsertDailyBars(db.sql, bars);
        const suspected = assets.filter((_, i) => stored[i]?.suspected).map((a) => a.id);
        await db.sql`
          UPDATE assets SET delisting_suspected_at = CASE WHEN id = ANY(${suspected}::int[]) THEN now() END`;

        // Act
        const listed = await assessFreshness(db.sql, NOW);

        // Assess
        expect(listed).toEqual(await reference());
      }),
      { seed, numRuns: 25 },
    );
  });
});
