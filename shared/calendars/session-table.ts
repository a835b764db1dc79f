import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { CalendarRangeError, NotASessionError } from './errors.ts';
import { toDay, toIsoDate } from './iso-day.ts';
import type { CalendarId, ExchangeCalendar } from './types.ts';
import { zonedTimeToEpochMs } from './zoned-time.ts';

/** What makes one exchange's calendar different from another's; the lookups are shared below. */
export interface CalendarRules {
  id: CalendarId;
  timezone: string;
  firstDate: IsoDate;
  lastDate: IsoDate;
  publicationLagMs: number;
  /**
   * Builds the session test for a day number (see iso-day.ts). Called once, on first use, so
   * holiday tables are expanded only by processes that need them.
   */
  buildSessionTest(): (day: number) => boolean;
  /** A session's close in exchange-local wall-clock minutes after midnight (1440 = 24:00). */
  closeMinutes(session: IsoDate): number;
}

/** The first index in [0, length) for which `isBefore` is false; `isBefore` must hold for a prefix. */
function partitionPoint(length: number, isBefore: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isBefore(mid)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * An ExchangeCalendar over a session list computed once from its rules, answered by binary search:
 * a freshness check asks for thousands of assets and a backfill planner asks for years at a time.
 */
export class RuleBasedCalendar implements ExchangeCalendar {
  readonly id: CalendarId;
  readonly timezone: string;
  readonly firstDate: IsoDate;
  readonly lastDate: IsoDate;
  readonly publicationLagMs: number;
  #sessions: IsoDate[] | undefined;
  /** The same sessions for isSession, which validation asks once per fetched bar. */
  #sessionSet: Set<IsoDate> | undefined;
  /** Close instants by session index, filled on demand (NaN = not yet computed): Intl is slow. */
  #closesMs: Float64Array | undefined;
  #horizonMs: number | undefined;

  constructor(private readonly rules: CalendarRules) {
    this.id = rules.id;
    this.timezone = rules.timezone;
    this.firstDate = rules.firstDate;
    this.lastDate = rules.lastDate;
    this.publicationLagMs = rules.publicationLagMs;
  }

  /** Whether the date is a session. Throws CalendarRangeError outside [firstDate, lastDate]. */
  isSession(date: IsoDate): boolean {
    this.assertInRange(date);
    this.#sessionSet ??= new Set(this.sessions);
    return this.#sessionSet.has(date);
  }

  /** Sessions in [start, end], ascending; empty when end is before start. Throws CalendarRangeError. */
  sessionsBetween(start: IsoDate, end: IsoDate): IsoDate[] {
    this.assertInRange(start);
    this.assertInRange(end);
    return this.sessions.slice(this.firstIndexAtOrAfter(start), this.firstIndexAfter(end));
  }

  /** First session after `date`. Throws CalendarRangeError when it would lie past lastDate. */
  nextSession(date: IsoDate): IsoDate {
    this.assertInRange(date);
    const next = this.sessions[this.firstIndexAfter(date)];
    if (next === undefined) throw this.rangeError(`the session after ${date}`);
    return next;
  }

  /** Last session before `date`. Throws CalendarRangeError when it would lie before firstDate. */
  previousSession(date: IsoDate): IsoDate {
    this.assertInRange(date);
    const previous = this.sessions[this.firstIndexAtOrAfter(date) - 1];
    if (previous === undefined) throw this.rangeError(`the session before ${date}`);
    return previous;
  }

  /** The session's close. Throws CalendarRangeError outside the range, NotASessionError for a non-session. */
  sessionClose(date: IsoDate): Date {
    this.assertInRange(date);
    const index = this.firstIndexAtOrAfter(date);
    if (this.sessions[index] !== date) throw new NotASessionError(this.id, date);
    return new Date(this.closeMsAt(index));
  }

  /**
   * The newest session whose bar providers should have published by `at` (close + publication lag).
   * Throws CalendarRangeError when `at` is before the first session's close plus lag, or late enough
   * that a session after lastDate (which this calendar does not know) might already count.
   */
  expectedLastSession(at: Date): IsoDate {
    const publishedCloseMs = at.getTime() - this.publicationLagMs;
    // Any session after lastDate closes at or after the local midnight that ends lastDate.
    this.#horizonMs ??= zonedTimeToEpochMs(toDay(this.lastDate) + 1, 0, this.timezone);
    const index = partitionPoint(this.sessions.length, (i) => this.closeMsAt(i) <= publishedCloseMs) - 1;
    if (index < 0 || publishedCloseMs >= this.#horizonMs) {
      throw this.rangeError(`the last session published by ${at.toISOString()}`);
    }
    return this.sessions[index] as IsoDate;
  }

  private get sessions(): IsoDate[] {
    if (!this.#sessions) {
      const isSessionDay = this.rules.buildSessionTest();
      const sessions: IsoDate[] = [];
      for (let day = toDay(this.firstDate); day <= toDay(this.lastDate); day++) {
        if (isSessionDay(day)) sessions.push(toIsoDate(day));
      }
      this.#sessions = sessions;
    }
    return this.#sessions;
  }

  private closeMsAt(index: number): number {
    this.#closesMs ??= new Float64Array(this.sessions.length).fill(Number.NaN);
    let closeMs = this.#closesMs[index] as number;
    if (Number.isNaN(closeMs)) {
      const session = this.sessions[index] as IsoDate;
      closeMs = zonedTimeToEpochMs(toDay(session), this.rules.closeMinutes(session), this.timezone);
      this.#closesMs[index] = closeMs;
    }
    return closeMs;
  }

  private firstIndexAtOrAfter(date: IsoDate): number {
    const sessions = this.sessions;
    return partitionPoint(sessions.length, (i) => (sessions[i] as IsoDate) < date);
  }

  private firstIndexAfter(date: IsoDate): number {
    const sessions = this.sessions;
    return partitionPoint(sessions.length, (i) => (sessions[i] as IsoDate) <= date);
  }

  private assertInRange(date: IsoDate): void {
    if (!(date >= this.firstDate && date <= this.lastDate)) throw this.rangeError(date);
  }

  private rangeError(requested: string): CalendarRangeError {
    return new CalendarRangeError(this.id, this.firstDate, this.lastDate, requested);
  }
}
