import type { IsoDate } from '#shared/domain/daily-bar.ts';

const DAY_MS = 86_400_000;

/** Midnight UTC at the start of `date`, in epoch milliseconds. */
export function utcMidnightMs(date: IsoDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The calendar date `days` after `date` (negative goes back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  return new Date(utcMidnightMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((utcMidnightMs(to) - utcMidnightMs(from)) / DAY_MS);
}

/* Building a DateTimeFormat costs far more than formatting with one; a process sees few zones. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date in IANA zone `timeZone` at the instant `epochSeconds`: a bar stamped at the
 * 23:00Z London open of a BST day is that day, not the UTC date. Throws RangeError for an unknown zone.
 */
export function localDateAt(epochSeconds: number, timeZone: string): IsoDate {
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
