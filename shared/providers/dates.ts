import type { IsoDate } from '#shared/domain/daily-bar.ts';

export { addDays, daysBetween, utcMidnightMs } from '#shared/domain/dates.ts';

/* Building a DateTimeFormat costs far more than formatting with one; a process sees few zones. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date in IANA zone `timeZone` at the instant `epochSeconds`: a bar stamped at the
 * 23:00Z London open of a BST day is that day, not the UTC date. Throws RangeError for an unknown zone.
 */
export function localDateAt(epochSeconds: number, timeZone: string): IsoDate {
  // Every asset of an exchange shares its session-open instants, so most lookups repeat.
  const key = `${timeZone}|${epochSeconds}`;
  const known = localDates.get(key);
  if (known !== undefined) return known;
  if (localDates.size >= LOCAL_DATE_CACHE) localDates.clear();
  const date = formatLocalDate(epochSeconds, timeZone);
  localDates.set(key, date);
  return date;
}

const LOCAL_DATE_CACHE = 100_000;
const localDates = new Map<string, IsoDate>();

function formatLocalDate(epochSeconds: number, timeZone: string): IsoDate {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(epochSeconds * 1000));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
