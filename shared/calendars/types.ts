import type { IsoDate } from '#shared/domain/daily-bar.ts';

export type CalendarId = 'XNYS' | 'XKRX' | '24/7';

/**
 * The trading sessions of one exchange. Dates are exchange-local calendar dates (`YYYY-MM-DD`);
 * instants are UTC `Date`s. Every method throws CalendarRangeError for a date outside
 * [firstDate, lastDate] rather than guessing.
 */
export interface ExchangeCalendar {
  readonly id: CalendarId;
  /** IANA zone the sessions are defined in, e.g. America/New_York. */
  readonly timezone: string;
  readonly firstDate: IsoDate;
  readonly lastDate: IsoDate;
  /**
   * How long after a session's close its final daily bar can be expected from providers (they
   * publish some time after the close); `expectedLastSession` adds it to every close.
   */
  readonly publicationLagMs: number;
  isSession(date: IsoDate): boolean;
  /** Sessions in [start, end], both inclusive, ascending. */
  sessionsBetween(start: IsoDate, end: IsoDate): IsoDate[];
  /** First session strictly after `date`. */
  nextSession(date: IsoDate): IsoDate;
  /** Last session strictly before `date`. */
  previousSession(date: IsoDate): IsoDate;
  /** The UTC instant the session closes (early closes included). */
  sessionClose(date: IsoDate): Date;
  /**
   * The latest session whose close plus the market's publication lag is at or before `at`:
   * the newest bar a provider can be expected to have at that instant.
   */
  expectedLastSession(at: Date): IsoDate;
}
