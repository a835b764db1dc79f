import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { reconcileBars } from './reconcile.ts';
import { SOAK_START } from './run-soak.ts';
import { seedSoakUniverse } from './soak-universe.ts';

const RANGE = { start: '2025-05-01', end: '2025-05-31' };

let db: TestDatabase;
let server: MarketServer;
let assets: Asset[];
let served: number;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ now: () => SOAK_START, seed: 1 });
  assets = await seedSoakUniverse(db.sql, 3);
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});
beforeEach(async () => {
  await db.sql`TRUNCATE prices_daily`;
  const bars = assets.flatMap((a) =>
    server
      .tradedBarsFor(a.provider, a.providerSymbol, RANGE.start, RANGE.end)
      .map((b) => ({ ...b, assetId: a.id, source: a.provider })),
  );
  await upsertDailyBars(db.sql, bars);
  served = bars.length;
});

/** The asset of `calendar` among the three seeded ones. */
const on = (calendar: Asset['calendar']) => assets.find((a) => a.calendar === calendar) as Asset;

describe('reconcileBars', () => {
  it('finds nothing amiss when every served bar is stored once with its prices', async () => {
    const result = await reconcileBars(db.sql, server, assets, RANGE);

    expect(result).toEqual({
      expected: served,
      stored: served,
      missing: 0,
      duplicated: 0,
      unexpected: 0,
      mismatched: 0,
    });
  });

  it('counts a lost bar, a bar stored twice, a bar on a closed day and a changed price', async () => {
    const ny = on('XNYS');
    const seoul = on('XKRX');
    await db.sql`DELETE FROM prices_daily WHERE asset_id = ${ny.id} AND session_date = '2025-05-01'`;
    await db.sql`
      INSERT INTO prices_daily (asset_id, session_date, source, open, high, low, close, adj_close, volume)
      SELECT asset_id, session_date, 'upbit', open, high, low, close, adj_close, volume FROM prices_daily
      WHERE asset_id = ${seoul.id} AND session_date = '2025-05-02'`;
    await db.sql`
      INSERT INTO prices_daily (asset_id, session_date, source, open, high, low, close, adj_close, volume)
      VALUES (${ny.id}, '2025-05-04', 'yahoo', 10, 11, 9, 10, 10, 100)`;
    await db.sql`
      UPDATE prices_daily SET close = close + 0.01, high = high + 0.01
      WHERE asset_id = ${seoul.id} AND session_date = '2025-05-07'`;

    const result = await reconcileBars(db.sql, server, assets, RANGE);

    expect(result).toEqual({
      expected: served,
      stored: served + 1,
      missing: 1,
      duplicated: 1,
      unexpected: 2,
      mismatched: 1,
    });
  });
});
