import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import type { Sql } from '#shared/db/client.ts';
import { storedSessionsByYear } from '#shared/db/console-reads.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';

/** One calendar year of one asset: sessions stored against sessions its exchange calendar expects. */
export interface YearCoverage {
  year: number;
  stored: number;
  /** Calendar sessions of the year from the asset's first stored session to the expected last one. */
  expected: number;
  /** The first and last stored session of the year; null when none is stored. */
  first: IsoDate | null;
  last: IsoDate | null;
}

/**
 * Coverage per year of one asset, from its first stored year to the year of its calendar's expected
 * last session at `now` (a year with nothing stored in between shows 0 stored). Years are clipped to
 * the calendar's known dates. An asset with nothing stored has no years. Reads only.
 * 1. The stored sessions per year (one grouped read of the asset's bars).
 * 2. Per year, the calendar's sessions inside [first stored session, expected last session].
 */
export async function coverageByYear(
  sql: Sql,
  asset: { id: number; calendar: CalendarId },
  now: Date,
): Promise<YearCoverage[]> {
  const stored = await storedSessionsByYear(sql, asset.id);
  const firstYear = stored[0];
  if (!firstYear) return [];
  const calendar = getCalendar(asset.calendar);
  const expectedLast = minDate(calendar.expectedLastSession(now), calendar.lastDate);
  const from = maxDate(firstYear.first, calendar.firstDate);
  const byYear = new Map(stored.map((y) => [y.year, y]));
  const lastYear = Math.max(Number(expectedLast.slice(0, 4)), stored.at(-1)?.year ?? firstYear.year);
  const years: YearCoverage[] = [];
  for (let year = firstYear.year; year <= lastYear; year++) {
    const start = maxDate(`${year}-01-01`, from);
    const end = minDate(`${year}-12-31`, expectedLast);
    const row = byYear.get(year);
    years.push({
      year,
      stored: row?.stored ?? 0,
      expected: start <= end ? calendar.sessionsBetween(start, end).length : 0,
      first: row?.first ?? null,
      last: row?.last ?? null,
    });
  }
  return years;
}

function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}
