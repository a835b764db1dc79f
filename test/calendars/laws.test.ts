import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import { SATURDAY, SUNDAY, toDay, toIsoDate, weekdayOf } from '#shared/calendars/iso-day.ts';

const ids: CalendarId[] = ['XNYS', 'XKRX', '24/7'];
/** Keeps generated dates far enough inside the range that a session exists on both sides. */
const MARGIN_DAYS = 30;

describe.each(ids)('the laws of the %s calendar', (id) => {
  const calendar = getCalendar(id);
  const first = toDay(calendar.firstDate);
  const last = toDay(calendar.lastDate);
  const anyDate = fc.integer({ min: first, max: last }).map(toIsoDate);
  const innerDate = fc.integer({ min: first + MARGIN_DAYS, max: last - MARGIN_DAYS }).map(toIsoDate);
  const innerSession = innerDate.map((date) => calendar.nextSession(date));
  const innerInstant = fc
    .integer({ min: (first + MARGIN_DAYS) * 86_400_000, max: (last - MARGIN_DAYS) * 86_400_000 })
    .map((ms) => new Date(ms));

  it('lists sessions strictly ascending (sorted, no duplicates) and inside the asked range', () => {
    fc.assert(
      fc.property(anyDate, anyDate, (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const sessions = calendar.sessionsBetween(start, end);
        expect(sessions.every((s, i) => i === 0 || (sessions[i - 1] as string) < s)).toBe(true);
        expect(sessions.every((s) => s >= start && s <= end)).toBe(true);
      }),
    );
  });

  it('agrees between isSession and sessionsBetween', () => {
    fc.assert(
      fc.property(anyDate, (date) => {
        expect(calendar.sessionsBetween(date, date)).toEqual(calendar.isSession(date) ? [date] : []);
      }),
    );
  });

  it('has previousSession(d) < d and nextSession(d) > d, both sessions with none in between', () => {
    fc.assert(
      fc.property(innerDate, (date) => {
        const previous = calendar.previousSession(date);
        const next = calendar.nextSession(date);
        expect(previous < date && next > date).toBe(true);
        expect(calendar.isSession(previous) && calendar.isSession(next)).toBe(true);
        const around = calendar.sessionsBetween(previous, next);
        expect(around).toEqual(calendar.isSession(date) ? [previous, date, next] : [previous, next]);
      }),
    );
  });

  it('has nextSession(previousSession(d)) as the first session on or after d', () => {
    fc.assert(
      fc.property(innerDate, (date) => {
        const firstOnOrAfter = calendar.isSession(date) ? date : calendar.nextSession(date);
        expect(calendar.nextSession(calendar.previousSession(date))).toBe(firstOnOrAfter);
      }),
    );
  });

  it('returns a session s from nextSession(previousSession(s)) and previousSession(nextSession(s))', () => {
    fc.assert(
      fc.property(innerSession, (session) => {
        expect(calendar.nextSession(calendar.previousSession(session))).toBe(session);
        expect(calendar.previousSession(calendar.nextSession(session))).toBe(session);
      }),
    );
  });

  it('returns from expectedLastSession(at) the latest session whose close plus lag is at or before at', () => {
    fc.assert(
      fc.property(innerInstant, (at) => {
        const session = calendar.expectedLastSession(at);
        const published = (s: string) => calendar.sessionClose(s).getTime() + calendar.publicationLagMs;
        expect(calendar.isSession(session)).toBe(true);
        expect(published(session)).toBeLessThanOrEqual(at.getTime());
        expect(published(calendar.nextSession(session))).toBeGreaterThan(at.getTime());
      }),
    );
  });
});

describe('weekends', () => {
  it('never holds an XNYS session', () => {
    const weekendSessions = getCalendar('XNYS')
      .sessionsBetween('1990-01-01', '2030-12-31')
      .filter((s) => [SATURDAY, SUNDAY].includes(weekdayOf(toDay(s))));

    expect(weekendSessions).toEqual([]);
  });

  it('holds XKRX sessions only on Saturdays up to 1998-12-05 and never on Sundays', () => {
    const weekendSessions = getCalendar('XKRX')
      .sessionsBetween('1990-01-01', '2030-12-31')
      .filter(
        (s) => weekdayOf(toDay(s)) === SUNDAY || (weekdayOf(toDay(s)) === SATURDAY && s > '1998-12-05'),
      );

    expect(weekendSessions).toEqual([]);
  });
});
