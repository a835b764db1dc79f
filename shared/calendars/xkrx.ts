import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { SATURDAY, SUNDAY, toDay, toIsoDate, weekdayOf } from './iso-day.ts';
import { RuleBasedCalendar } from './session-table.ts';
import { krxFixedHolidays, krxYears, YEAR_END } from './xkrx-holidays.ts';

/** Providers publish the final KRX daily bar (after the closing auction is settled) within ~2 h. */
export const XKRX_PUBLICATION_LAG_MS = 2 * 60 * 60 * 1000;

/** KRX traded on Saturdays until December 1998; this was the last one. */
const LAST_SATURDAY_SESSION: IsoDate = '1998-12-05';
/** From 2001 the last business day of each year is closed; earlier years list theirs in the table. */
const YEAR_END_RULE_FROM = 2001;

const tableYears = Object.keys(krxYears)
  .map(Number)
  .sort((a, b) => a - b);
const FIRST_YEAR = tableYears[0] ?? 1990;
const LAST_YEAR = tableYears.at(-1) ?? 1990;

const csatDays = new Set(Object.values(krxYears).flatMap((year) => year.csat ?? []));

function lastBusinessDayOf(year: number, closures: ReadonlyMap<IsoDate, string>): IsoDate {
  let day = toDay(`${year}-12-31`);
  while (weekdayOf(day) === SATURDAY || weekdayOf(day) === SUNDAY || closures.has(toIsoDate(day))) day--;
  return toIsoDate(day);
}

/**
 * Every weekday (and pre-1999 Saturday) closure of a KRX year, date -> reason, from the fixed-date
 * rules, the lunar and one-off table in xkrx-holidays.ts and the year-end closure.
 * Throws when the table has no entry for the year.
 */
export function krxClosures(year: number): Map<IsoDate, string> {
  const entry = krxYears[year];
  if (!entry) throw new RangeError(`xkrx-holidays.ts has no entry for ${year}; add one to krxYears`);
  const closures = new Map<IsoDate, string>();
  for (const holiday of krxFixedHolidays) {
    if (year >= (holiday.firstYear ?? year) && year <= (holiday.lastYear ?? year)) {
      closures.set(`${year}-${holiday.monthDay}`, holiday.name);
    }
  }
  for (const [day, name] of [
    [entry.seollal, 'Seollal'],
    [entry.chuseok, 'Chuseok'],
  ] as const) {
    for (const offset of [-1, 0, 1]) closures.set(toIsoDate(toDay(day) + offset), name);
  }
  closures.set(entry.buddhasBirthday, "Buddha's Birthday");
  for (const [date, reason] of Object.entries(entry.closures ?? {})) closures.set(date, reason);
  if (year >= YEAR_END_RULE_FROM) closures.set(lastBusinessDayOf(year, closures), YEAR_END);
  return closures;
}

function buildKrxSessionTest(): (day: number) => boolean {
  const closed = new Set<number>();
  for (const year of tableYears) {
    for (const date of krxClosures(year).keys()) closed.add(toDay(date));
  }
  const lastSaturdaySession = toDay(LAST_SATURDAY_SESSION);
  return (day) => {
    const weekday = weekdayOf(day);
    if (weekday === SUNDAY || (weekday === SATURDAY && day > lastSaturdaySession)) return false;
    return !closed.has(day);
  };
}

/**
 * KRX close, minutes after midnight Seoul time. The first session of a year opens an hour late but
 * closes as usual; on CSAT days the whole session shifts (30 min until 1997, an hour since).
 */
function krxCloseMinutes(session: IsoDate): number {
  let close = 15 * 60 + 30;
  if (session < '1995-01-01') close = 15 * 60 + 20;
  else if (session < '2016-08-01') close = 15 * 60;
  if (!csatDays.has(session)) return close;
  return close + (session < '1998-01-01' ? 30 : 60);
}

/** Korea Exchange (KOSPI/KOSDAQ), 1990 to the last year of the holiday table. */
export const xkrxCalendar = new RuleBasedCalendar({
  id: 'XKRX',
  timezone: 'Asia/Seoul',
  firstDate: `${FIRST_YEAR}-01-01`,
  lastDate: `${LAST_YEAR}-12-31`,
  publicationLagMs: XKRX_PUBLICATION_LAG_MS,
  buildSessionTest: buildKrxSessionTest,
  closeMinutes: krxCloseMinutes,
});
