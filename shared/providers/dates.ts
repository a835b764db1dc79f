import type { IsoDate } from '#shared/domain/daily-bar.ts';

export { addDays, daysBetween, utcMidnightMs } from '#shared/domain/dates.ts';

/* Building a DateTimeFormat costs far more than formatting with one; a process sees few zones. */
const formatters = new Map<string, Intl.DateTimeFormat>();
const FORMATTER_CACHE = 64;

/**
 * The calendar date in IANA zone `timeZone` at the instant `epochSeconds`: a bar stamped at the
 * 23:00Z London open of a BST day is that day, not the UTC date. Throws RangeError for an unknown zone.
 */
export function localDateAt(epochSeconds: number, timeZone: string): IsoDate {
  // Every asset of an exchange shares its session-open instants, so most lookups repeat. Keyed by
  // zone, then by the number itself: no key string to build per lookup.
  const dates = localDates.get(timeZone);
  const known = dates?.get(epochSeconds);
  if (known !== undefined) return known;
  const date = formatLocalDate(epochSeconds, timeZone); // throws for an unknown zone: nothing cached
  if (cachedDates >= LOCAL_DATE_CACHE) {
    localDates.clear();
    cachedDates = 0;
  }
  const zoneDates = localDates.get(timeZone);
  if (zoneDates === undefined) localDates.set(timeZone, new Map([[epochSeconds, date]]));
  else zoneDates.set(epochSeconds, date);
  cachedDates++;
  return date;
}

/** Dates cached over all zones (zone names come from providers, and Intl takes any letter case). */
const LOCAL_DATE_CACHE = 100_000;
const localDates = new Map<string, Map<number, IsoDate>>();
let cachedDates = 0;

function formatLocalDate(epochSeconds: number, timeZone: string): IsoDate {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    if (formatters.size >= FORMATTER_CACHE) formatters.clear();
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(epochSeconds * 1000));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
