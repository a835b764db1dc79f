import { describe, expect, it } from 'vitest';
import {
  type CalendarId,
  CalendarRangeError,
  getCalendar,
  NotASessionError,
} from '#shared/calendars/index.ts';

const ids: CalendarId[] = ['XNYS', 'XKRX', '24/7'];

describe.each(ids)('the %s calendar outside its range', (id) => {
  const calendar = getCalendar(id);

  it('covers 1990-01-01..2030-12-31', () => {
    expect([calendar.firstDate, calendar.lastDate]).toEqual(['1990-01-01', '2030-12-31']);
  });

  it('refuses a date after its range with a message naming the range and the date', () => {
    const act = () => calendar.isSession('2031-01-02');

    expect(act).toThrow(CalendarRangeError);
    expect(act).toThrow(`${id} calendar covers 1990-01-01..2030-12-31; 2031-01-02 is outside it`);
  });

  it('refuses a range that starts before the calendar does', () => {
    expect(() => calendar.sessionsBetween('1989-12-29', '1990-01-05')).toThrow(CalendarRangeError);
  });

  it('refuses the session after its last date, which it cannot know', () => {
    expect(() => calendar.nextSession('2030-12-31')).toThrow(
      `${id} calendar covers 1990-01-01..2030-12-31; the session after 2030-12-31 is outside it`,
    );
  });

  it('refuses the session before its first session', () => {
    const [first = ''] = calendar.sessionsBetween('1990-01-01', '1990-01-31');

    expect(() => calendar.previousSession(first)).toThrow(CalendarRangeError);
  });

  it('refuses instants before its first close has been published or after its range', () => {
    expect(() => calendar.expectedLastSession(new Date('1990-01-01T00:00:00Z'))).toThrow(CalendarRangeError);
    expect(() => calendar.expectedLastSession(new Date('2031-01-05T00:00:00Z'))).toThrow(
      /the last session published by 2031-01-05T00:00:00.000Z is outside it/,
    );
  });

  it('returns no sessions when the end is before the start', () => {
    expect(calendar.sessionsBetween('2024-02-01', '2024-01-01')).toEqual([]);
  });
});

describe('sessionClose of a date that is not a session', () => {
  it('throws NotASessionError naming the calendar and the date', () => {
    const act = () => getCalendar('XNYS').sessionClose('2025-01-09');

    expect(act).toThrow(NotASessionError);
    expect(act).toThrow('XNYS: 2025-01-09 is not a session, so it has no close');
  });
});

describe('getCalendar', () => {
  it('throws for an id that is not a calendar', () => {
    expect(() => getCalendar('XLON' as CalendarId)).toThrow(/unknown calendar "XLON"/);
  });
});
