import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '#shared/domain/dates.ts';
import { type BarValues, ohlcProblem, validateBars } from '#shared/validation/validate-bars.ts';
import * as before from './support/validate-bars-before.ts';

/*
 * The allocation-free validation against the one it replaced (support/validate-bars-before.ts): the
 * same report, reason for reason, for any bars a provider can send, sane or not.
 */

/** Any value a bar field can hold after parsing, the broken ones included. */
const field = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0.5, max: 2, noNaN: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  },
  { weight: 1, arbitrary: fc.double() },
);

const hostile = fc.constantFrom<unknown>(0, -0, -1, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, '5');
const fieldName = fc.constantFrom('open', 'high', 'low', 'close', 'volume', 'adjClose');

/** A sane bar (low <= open, close <= high), as is or with one field broken. */
const saneOrBroken = (sessionDate: string) =>
  fc
    .tuple(
      fc.double({ min: 0.5, max: 2, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.option(fc.double({ min: 0.5, max: 2, noNaN: true }), { nil: null }),
      fc.option(fc.tuple(fieldName, hostile), { nil: undefined }),
    )
    .map(([low, spread, o, c, adjClose, broken]): BarValues => {
      const high = low + spread;
      const bar = {
        sessionDate,
        open: low + spread * o,
        high,
        low,
        close: low + spread * c,
        adjClose,
        volume: 100,
      };
      return (broken ? { ...bar, [broken[0]]: broken[1] } : bar) as BarValues;
    });

const barOn = (sessionDate: string) =>
  fc.oneof(
    saneOrBroken(sessionDate),
    fc
      .record({
        open: field,
        high: field,
        low: field,
        close: field,
        volume: fc.oneof(fc.nat(), field),
        adjClose: fc.option(field, { nil: null }),
      })
      .map((values): BarValues => ({ sessionDate, ...values })),
  );

/** Bars on dates near 2024-01-01, in order or not, some dates twice. */
const bars = fc
  .array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 })
  .chain((offsets) => fc.tuple(...offsets.map((o) => barOn(addDays('2024-01-01', o)))));

const sessions = fc
  .uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 30 })
  .chain((offsets) => fc.oneof(fc.constant([...offsets].sort((a, b) => a - b)), fc.constant(offsets)))
  .map((offsets) => offsets.map((o) => addDays('2024-01-01', o)));

describe('validateBars without per-bar allocation', () => {
  it('gives the reason the previous validation gave for any bar', () => {
    const seed = Date.now();
    console.log(`ohlcProblem equivalence property seed ${seed}`);
    fc.assert(
      fc.property(barOn('2024-01-02'), (bar) => {
        expect(ohlcProblem(bar)).toBe(before.ohlcProblem(bar));
      }),
      { seed, numRuns: 5_000 },
    );
  });

  it('gives the report the previous validation gave for any bars, sessions and previous close', () => {
    const seed = Date.now();
    console.log(`validateBars equivalence property seed ${seed}`);
    fc.assert(
      fc.property(
        bars,
        sessions,
        fc.option(fc.double({ min: 0.5, max: 2, noNaN: true }), { nil: undefined }),
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
        (fetched, expectedSessions, previousClose, splitOffsets) => {
          const input = {
            bars: fetched,
            expectedSessions,
            ...(previousClose === undefined
              ? {}
              : { previous: { sessionDate: '2023-12-31', close: previousClose } }),
            splitDates: new Set(splitOffsets.map((o) => addDays('2024-01-01', o))),
            isSession: (date: string) => !date.endsWith('7'),
          };
          expect(validateBars(input)).toEqual(before.validateBars(input));
        },
      ),
      { seed, numRuns: 1_000 },
    );
  });
});
