import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { priceText } from '#shared/db/price-text.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import { roundAsTradedPrice } from '#shared/domain/price-basis.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { days, seedAssets } from '#test/support/fixtures.ts';

/*
 * priceText replaces String(value) in the COPY and unnest text of prices_daily: it must write the
 * same characters, so that every stored numeric (an unconstrained numeric keeps every digit it is
 * given) is the value it was before.
 */

/** Any float32, from its bits: every sign, exponent and mantissa, subnormals, infinities and NaN. */
const anyFloat32 = fc.integer({ min: 0, max: 0xffffffff }).map((bits) => {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits);
  return view.getFloat32(0);
});

/** What the ingest path stores: a traded decimal of 1-7 digits, served through a split, as traded. */
const asTradedPrice = fc
  .tuple(
    fc.integer({ min: 1, max: 9_999_999 }),
    fc.integer({ min: -8, max: 3 }),
    fc.constantFrom(1, 2, 3 / 2, 4, 10, 20, 1 / 10, 40),
  )
  .map(([digits, exponent, ratio]) =>
    roundAsTradedPrice(Math.fround((digits * 10 ** exponent) / ratio) * ratio),
  );

const edges = [
  0,
  -0,
  1e-6,
  Math.fround(1e-6),
  0.5,
  0.25,
  2 ** -20,
  2 ** 23 - 0.5,
  2 ** 23,
  8_388_607.5,
  1,
  0.1,
  Math.fround(0.1),
  Math.fround(0.3),
  Math.fround(99.99),
  Math.fround(529.48),
  Math.fround(13.237),
  Math.fround(0.99999994),
  1.7976931348623157e308,
  Number.MIN_VALUE,
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

describe('priceText', () => {
  it('writes what String writes for every float32', () => {
    const seed = Date.now();
    console.log(`priceText float32 property seed ${seed}`);
    fc.assert(
      fc.property(anyFloat32, (value) => {
        expect(priceText(value)).toBe(String(value));
      }),
      { seed, numRuns: 50_000 },
    );
  });

  it('writes what String writes for every as-traded price', () => {
    const seed = Date.now();
    console.log(`priceText as-traded property seed ${seed}`);
    fc.assert(
      fc.property(asTradedPrice, (value) => {
        expect(priceText(value)).toBe(String(value));
      }),
      { seed, numRuns: 50_000 },
    );
  });

  it('writes what String writes for any double and at the edges of its fast range', () => {
    const seed = Date.now();
    console.log(`priceText double property seed ${seed}`);
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.constantFrom(...edges)), (value) => {
        expect(priceText(value)).toBe(String(value));
      }),
      { seed, numRuns: 10_000 },
    );
  });
});

describe('prices_daily numerics written with priceText', () => {
  let db: TestDatabase;
  let assets: Asset[];
  beforeAll(async () => {
    db = await createTestDatabase();
    assets = await seedAssets(db.sql, 2);
  });
  afterAll(async () => {
    await db.drop();
  });

  it.each([
    ['a small batch (one unnest statement)', 40],
    ['a large batch (COPY)', 600],
  ])('are the numerics String wrote, for %s of as-traded prices', async (_, count) => {
    // Prepare
    const seed = Date.now();
    console.log(`prices_daily ${count}-bar numerics seed ${seed}`);
    const [asset] = assets.splice(0, 1) as [Asset];
    const prices = fc.sample(asTradedPrice, { seed, numRuns: count * 4 });
    const bars: DailyBar[] = days('2000-01-03', count).map((sessionDate, i) => {
      const [a, b, c, d] = prices.slice(i * 4, i * 4 + 4).sort((x, y) => x - y) as number[];
      return {
        assetId: asset.id,
        sessionDate,
        source: 'yahoo',
        open: b as number,
        high: d as number,
        low: a as number,
        close: c as number,
        adjClose: b as number,
        volume: i,
      };
    });

    // Act
    await upsertDailyBars(db.sql, bars);

    // Assess: as text, so the comparison is digit for digit, scale included; String's own text read
    // as a numeric by PostgreSQL is what was stored before (1e-8 comes back as 0.00000001).
    const stored = await db.sql<{ text: string }[]>`
      SELECT concat_ws(' ', open, high, low, close, adj_close) AS text
      FROM prices_daily WHERE asset_id = ${asset.id} ORDER BY session_date`;
    const before = await db.sql<{ text: string }[]>`
      SELECT concat_ws(' ', o::numeric, h::numeric, l::numeric, c::numeric, a::numeric) AS text
      FROM unnest(${bars.map((b) => String(b.open))}::text[], ${bars.map((b) => String(b.high))}::text[],
                  ${bars.map((b) => String(b.low))}::text[], ${bars.map((b) => String(b.close))}::text[],
                  ${bars.map((b) => String(b.adjClose))}::text[]) WITH ORDINALITY AS e(o, h, l, c, a, n)
      ORDER BY n`;
    expect(stored.map((r) => r.text)).toEqual(before.map((r) => r.text));
  });
});
