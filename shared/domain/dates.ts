import type { IsoDate } from './daily-bar.ts';

const DAY_MS = 86_400_000;

/** Midnight UTC at the start of `date`, in epoch milliseconds. */
export function utcMidnightMs(date: IsoDate): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return Math.round((utcMidnightMs(b) - utcMidnightMs(a)) / DAY_MS);
}

/** The calendar date `days` after `date` (negative goes back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  return new Date(utcMidnightMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar date of an instant. */
export function utcDate(at: Date): IsoDate {
  return at.toISOString().slice(0, 10);
}
