import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { CalendarId } from './types.ts';

/**
 * A question the calendar cannot answer because it reaches outside the dates the calendar knows:
 * guessing there would silently invent or drop sessions.
 */
export class CalendarRangeError extends Error {
  override name = 'CalendarRangeError';

  constructor(
    readonly calendarId: CalendarId,
    readonly firstDate: IsoDate,
    readonly lastDate: IsoDate,
    /** What was asked for, e.g. `2031-01-02` or `the session after 2030-12-31`. */
    readonly requested: string,
  ) {
    super(`${calendarId} calendar covers ${firstDate}..${lastDate}; ${requested} is outside it`);
  }
}

/** A date that is not a trading session was used where only a session makes sense (e.g. its close). */
export class NotASessionError extends Error {
  override name = 'NotASessionError';

  constructor(
    readonly calendarId: CalendarId,
    readonly date: IsoDate,
  ) {
    super(`${calendarId}: ${date} is not a session, so it has no close`);
  }
}
