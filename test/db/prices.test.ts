import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, makeBars, pricesChecksum, seedAssets } from '#test/support/fixtures.ts';

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
  await db.sql`TRUNCATE prices_daily`;
});

describe('upsertDailyBars', () => {
  it.each([
    ['a small batch (one unnest statement)', 2, 30],
    ['a large batch (COPY into staging, then merge)', 20, 250],
  ])('leaves an identical table when %s is upserted twice', async (_, assetCount, dayCount) => {
    const bars = makeBars(assets.slice(0, assetCount), days('2024-01-01', dayCount));
    const first = await upsertDailyBars(db.sql, bars);
    const before = await pricesChecksum(db.sql);
    const second = await upsertDailyBars(db.sql, bars);
    const after = await pricesChecksum(db.sql);
    expect(first).toEqual({ inserted: bars.length, updated: 0, unchanged: 0 });
    expect(second).toEqual({ inserted: 0, updated: 0, unchanged: bars.length });
    expect(after).toEqual(before);
    expect(after.rows).toBe(bars.length);
  });

  it('updates changed values and bumps their ingested_at, leaving unchanged rows alone', async () => {
    const dates = days('2024-01-01', 10);
    await upsertDailyBars(db.sql, makeBars(assets.slice(0, 1), dates));
    // As text: a JS Date would drop the microseconds and make every row look newer.
    const [old] = await db.sql<
      { ingestedAt: string }[]
    >`SELECT min(ingested_at)::text AS ingested_at FROM prices_daily`;
    const corrected = makeBars(assets.slice(0, 1), dates).map((b, i) =>
      i < 3 ? { ...b, open: b.open + 0.5 } : b,
    );
    const result = await upsertDailyBars(db.sql, corrected);
    expect(result).toEqual({ inserted: 0, updated: 3, unchanged: 7 });
    const rows = await db.sql<{ sessionDate: string; open: string; bumped: boolean }[]>`
      SELECT session_date, open, ingested_at > ${old?.ingestedAt ?? ''}::text::timestamptz AS bumped
      FROM prices_daily ORDER BY session_date`;
    expect(rows.filter((r) => r.bumped).map((r) => r.sessionDate)).toEqual(dates.slice(0, 3));
    expect(rows[0]?.open).toBe(String(corrected[0]?.open));
  });

  it('keeps prices exactly as given, float noise included', async () => {
    const [bar] = makeBars(assets.slice(0, 1), ['2020-08-31']);
    if (!bar) throw new Error('no bar');
    await upsertDailyBars(db.sql, [
      { ...bar, open: bar.low + 0.58000183105469, adjClose: null, volume: 0.12345678 },
    ]);
    const [row] = await db.sql`SELECT open::text, adj_close, volume::text FROM prices_daily`;
    expect(row).toEqual({ open: String(bar.low + 0.58000183105469), adjClose: null, volume: '0.12345678' });
    expect(row?.open).toMatch(/^\d+\.\d{14}$/);
  });

  it('lets the last of two bars with the same key win within one batch', async () => {
    const [bar] = makeBars(assets.slice(0, 1), ['2024-03-01']);
    if (!bar) throw new Error('no bar');
    const result = await upsertDailyBars(db.sql, [bar, { ...bar, close: bar.close + 0.5 }]);
    expect(result.inserted).toBe(1);
    const [row] = await db.sql`SELECT close::float8 AS close FROM prices_daily`;
    expect(row?.close).toBe(bar.close + 0.5);
  });

  it('upserts overlapping batches concurrently without deadlock or lost rows', async () => {
    const dates = days('2023-01-01', 120);
    // Eight writers over overlapping slices of the same keys, in reversed orders to invite deadlocks.
    const batches = Array.from({ length: 8 }, (_, w) => {
      const bars = makeBars(assets.slice(w, w + 10), dates, w % 2);
      return w % 2 ? bars.reverse() : bars;
    });
    await Promise.all(batches.map((bars) => upsertDailyBars(db.sql, bars)));
    const expected = new Set(batches.flat().map((b) => `${b.assetId}|${b.sessionDate}`));
    expect((await pricesChecksum(db.sql)).rows).toBe(expected.size);
  });

  it('refuses bars of an unknown asset and writes none of the batch', async () => {
    const bars = makeBars([...assets.slice(0, 1), { id: 99_999 }], ['2024-03-04']);
    await expect(upsertDailyBars(db.sql, bars)).rejects.toThrow(/asset ids not in assets: 99999/);
    expect((await pricesChecksum(db.sql)).rows).toBe(0);
  });

  it('rejects an insane bar at the database too, as a last line of defence', async () => {
    const [bar] = makeBars(assets.slice(0, 1), ['2024-03-04']);
    if (!bar) throw new Error('no bar');
    await expect(upsertDailyBars(db.sql, [{ ...bar, low: bar.high + 1 }])).rejects.toThrow(
      /prices_daily_ohlc_sane/,
    );
    expect((await pricesChecksum(db.sql)).rows).toBe(0);
  });
});
