import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { monthSpan, WHOLE_MONTH } from '#shared/db/month-span.ts';
import { addDays } from '#shared/domain/dates.ts';

/** The days of [start, end], one by one: what the month masks must cover, no more and no less. */
function daysOf(start: string, end: string): string[] {
  const out: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) out.push(day);
  return out;
}

/** The days the span's masks cover, month by month, on real calendar days only. */
function daysCovered(start: string, end: string): string[] {
  const span = monthSpan(start, end);
  const out: string[] = [];
  for (let month = span.firstMonth; month <= span.lastMonth; month = `${addDays(month, 31).slice(0, 8)}01`) {
    const mask =
      month === span.firstMonth ? span.firstMask : month === span.lastMonth ? span.lastMask : WHOLE_MONTH;
    for (let day = month; day.slice(0, 7) === month.slice(0, 7); day = addDays(day, 1)) {
      if (mask & (1 << (Number(day.slice(8)) - 1))) out.push(day);
    }
  }
  return out;
}

const dateOf = fc.integer({ min: 0, max: 12_000 }).map((n) => addDays('1995-01-01', n));

describe('monthSpan', () => {
  it('covers exactly the days of any range, across month, year and leap-day boundaries', () => {
    const seed = Date.now();
    console.log(`monthSpan property seed ${seed}`);
    fc.assert(
      fc.property(dateOf, fc.integer({ min: 0, max: 1_200 }), (start, length) => {
        const end = addDays(start, length);
        expect(daysCovered(start, end)).toEqual(daysOf(start, end));
      }),
      { seed, numRuns: 500 },
    );
  });

  it('covers no day of a range that ends before it starts', () => {
    expect(daysCovered('2024-03-20', '2024-03-19')).toEqual([]);
    expect(daysCovered('2024-03-02', '2024-02-28')).toEqual([]);
  });

  it('masks day 31 as bit 30 and keeps the sign bit clear, so the mask fits a PostgreSQL integer', () => {
    expect(monthSpan('2024-01-31', '2024-01-31')).toMatchObject({
      firstMask: 2 ** 30,
      lastMask: WHOLE_MONTH,
    });
    expect(monthSpan('2024-01-01', '2024-02-10').firstMask).toBe(2 ** 31 - 1);
  });
});
