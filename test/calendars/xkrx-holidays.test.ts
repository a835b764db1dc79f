import { describe, expect, it } from 'vitest';
import { dayOf, SATURDAY, SUNDAY, toDay, toIsoDate, weekdayOf } from '#shared/calendars/iso-day.ts';
import { krxClosures } from '#shared/calendars/xkrx.ts';
import { krxFixedHolidays, krxYears } from '#shared/calendars/xkrx-holidays.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';

const years = Object.keys(krxYears).map(Number);

/** Solar dates of lunar 1/1, 4/8 and 8/15 (not in leap months) per ICU's Korean (dangi) calendar. */
function lunarHolidaysFromIcu(year: number) {
  const format = new Intl.DateTimeFormat('en-u-ca-dangi', {
    timeZone: 'UTC',
    month: 'numeric',
    day: 'numeric',
  });
  const found: Record<string, IsoDate> = {};
  for (let day = dayOf(year, 1, 1); day <= dayOf(year, 12, 31); day++) {
    const lunar = format.format(new Date(`${toIsoDate(day)}T00:00:00Z`)); // "4/8"; leap months read "4bis/8"
    if (lunar === '1/1') found.seollal = toIsoDate(day);
    if (lunar === '4/8') found.buddhasBirthday = toIsoDate(day);
    if (lunar === '8/15') found.chuseok = toIsoDate(day);
  }
  return found;
}

const isWeekend = (day: number) => weekdayOf(day) === SATURDAY || weekdayOf(day) === SUNDAY;

/**
 * Substitute holidays the law requires (대체공휴일): since 2014 for Seollal and Chuseok (a day on a
 * Sunday or on another holiday) and Children's Day (weekend or another holiday); since 2021 for the
 * national days on a weekend; since 2023 for Buddha's Birthday and Christmas on a weekend. Each goes
 * to the first following weekday that is not already off.
 */
function statutorySubstitutes(year: number): IsoDate[] {
  const entry = krxYears[year];
  if (!entry) return [];
  const holidays = new Map<number, number>(); // day -> how many holidays fall on it
  const mark = (date: IsoDate) => holidays.set(toDay(date), (holidays.get(toDay(date)) ?? 0) + 1);
  for (const holiday of krxFixedHolidays) {
    if (year >= (holiday.firstYear ?? year) && year <= (holiday.lastYear ?? year))
      mark(`${year}-${holiday.monthDay}`);
  }
  const block = (center: IsoDate) => [-1, 0, 1].map((offset) => toDay(center) + offset);
  for (const day of [...block(entry.seollal), ...block(entry.chuseok)]) mark(toIsoDate(day));
  mark(entry.buddhasBirthday);
  for (const [date, reason] of Object.entries(entry.closures ?? {})) {
    if (!reason.startsWith('substitute')) mark(date);
  }
  const taken = new Set<number>();
  const isOff = (day: number) => isWeekend(day) || holidays.has(day) || taken.has(day);
  const substituteAfter = (day: number) => {
    let next = day + 1;
    while (isOff(next)) next++;
    taken.add(next);
  };
  const overlapped = (day: number) => (holidays.get(day) ?? 0) > 1;
  for (const center of [entry.seollal, entry.chuseok]) {
    const days = block(center);
    if (days.some((day) => weekdayOf(day) === SUNDAY || overlapped(day))) substituteAfter(days[2] as number);
  }
  const childrensDay = toDay(`${year}-05-05`);
  if (isWeekend(childrensDay) || overlapped(childrensDay)) substituteAfter(childrensDay);
  const weekendOnly: IsoDate[] = [];
  if (year >= 2021) weekendOnly.push(`${year}-03-01`, `${year}-08-15`, `${year}-10-03`, `${year}-10-09`);
  if (year >= 2023) weekendOnly.push(entry.buddhasBirthday, `${year}-12-25`);
  for (const date of weekendOnly) {
    if (isWeekend(toDay(date))) substituteAfter(toDay(date));
  }
  return [...taken].sort((a, b) => a - b).map(toIsoDate);
}

describe('the KRX holiday table', () => {
  it('has an entry for every year from 1990 to its last year', () => {
    const expected = Array.from({ length: Math.max(...years) - 1989 }, (_, index) => 1990 + index);

    expect(years).toEqual(expected);
  });

  it.each(years)('lists the lunar holidays of %i as the Korean lunar calendar has them', (year) => {
    const { seollal, buddhasBirthday, chuseok } = krxYears[year] ?? {};

    expect({ seollal, buddhasBirthday, chuseok }).toEqual(lunarHolidaysFromIcu(year));
  });

  it('files every closure and CSAT day under its own year', () => {
    const misfiled = years.flatMap((year) =>
      [...Object.keys(krxYears[year]?.closures ?? {}), ...(krxYears[year]?.csat ?? [])].filter(
        (date) => !date.startsWith(`${year}-`),
      ),
    );

    expect(misfiled).toEqual([]);
  });

  it.each(years.filter((year) => year >= 2014))(
    'lists the substitute holidays the law gives in %i',
    (year) => {
      // Prepare
      const listed = Object.entries(krxYears[year]?.closures ?? {})
        .filter(([, reason]) => reason.startsWith('substitute'))
        .map(([date]) => date)
        .sort();

      // Act
      const required = statutorySubstitutes(year);

      // Assess
      expect(listed).toEqual(required);
    },
  );

  it('closes the last business day of each year from 2001', () => {
    expect(krxClosures(2023).get('2023-12-29')).toBe('year-end closure');
    expect(krxClosures(2030).get('2030-12-31')).toBe('year-end closure');
  });
});
