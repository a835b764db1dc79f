import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '#shared/domain/dates.ts';
import { readCandlePage } from '#shared/providers/upbit/candles.ts';
import * as before from './support/candles-before.ts';

/*
 * readCandlePage checks a page in one loop and asks zod only about a page it rejects; the page reader
 * it replaced (support/candles-before.ts) is the reference, for valid pages and broken ones alike.
 */

const CURSOR = '2024-03-01T00:00:00';
const price = fc.double({ min: -1e18, max: 1e18, noNaN: true });

/** A page as Upbit sends it: newest first below the cursor, with fields we do not read. */
const validPage = fc.array(fc.tuple(price, price, price, price, price), { maxLength: 30 }).map((rows) =>
  rows.map(([open, high, low, close, volume], i) => ({
    market: 'KRW-BTC',
    candle_date_time_utc: `${addDays('2024-02-29', -i)}T00:00:00`,
    candle_date_time_kst: `${addDays('2024-02-29', -i)}T09:00:00`,
    opening_price: open,
    high_price: high,
    low_price: low,
    trade_price: close,
    candle_acc_trade_volume: volume,
    change_rate: 0.01,
  })),
);

const hostile = fc.constantFrom<unknown>(
  null,
  '1',
  1e19,
  Number.POSITIVE_INFINITY,
  [],
  'x'.repeat(33),
  '2024-02-29T09:00:00',
  'KRW-ETH',
  undefined,
);
const fieldName = fc.constantFrom(
  'market',
  'candle_date_time_utc',
  'opening_price',
  'high_price',
  'low_price',
  'trade_price',
  'candle_acc_trade_volume',
);

const brokenPage = fc
  .tuple(validPage, fc.nat(), fieldName, hostile, fc.boolean())
  .map(([page, at, name, value, whole]) => {
    if (whole || page.length === 0) return [...page, value];
    const i = at % page.length;
    return page.map((candle, j) => (j === i ? { ...candle, [name]: value } : candle));
  });

describe('readCandlePage', () => {
  it('reads every valid page as the zod-only reader did', () => {
    const seed = Date.now();
    console.log(`readCandlePage valid-page property seed ${seed}`);
    fc.assert(
      fc.property(validPage, (page) => {
        const body = JSON.stringify(page);
        expect(readCandlePage(body, 'KRW-BTC', CURSOR)).toEqual(
          before.readCandlePage(body, 'KRW-BTC', CURSOR),
        );
      }),
      { seed, numRuns: 300 },
    );
  });

  it('rejects every broken page with the reason the zod-only reader gave', () => {
    const seed = Date.now();
    console.log(`readCandlePage broken-page property seed ${seed}`);
    fc.assert(
      fc.property(brokenPage, (page) => {
        const body = JSON.stringify(page);
        const read = readCandlePage(body, 'KRW-BTC', CURSOR);
        expect(read).toEqual(before.readCandlePage(body, 'KRW-BTC', CURSOR));
      }),
      { seed, numRuns: 500 },
    );
  });

  it('rejects a page of 201 candles as the zod-only reader did', () => {
    // Prepare
    const candle = { market: 'KRW-BTC', candle_date_time_utc: '2024-02-29T00:00:00', opening_price: 1 };
    const body = JSON.stringify(
      new Array(201).fill({
        ...candle,
        high_price: 1,
        low_price: 1,
        trade_price: 1,
        candle_acc_trade_volume: 1,
      }),
    );

    // Act
    const read = readCandlePage(body, 'KRW-BTC', CURSOR);

    // Assess
    expect(read).toEqual(before.readCandlePage(body, 'KRW-BTC', CURSOR));
    expect(read.ok).toBe(false);
  });
});
