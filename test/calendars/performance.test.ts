import { describe, expect, it } from 'vitest';
import { dayOf, SATURDAY, SUNDAY, toDay, weekdayOf } from '#shared/calendars/iso-day.ts';
import { type CalendarRules, RuleBasedCalendar } from '#shared/calendars/session-table.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';

/** Weekday sessions closing at 16:00 New York time, with a count of every call into the rules. */
function countedWeekdayCalendar(): {
  calendar: RuleBasedCalendar;
  calls: { builds: number; closes: number };
} {
  const calls = { builds: 0, closes: 0 };
  const rules: CalendarRules = {
    id: 'XNYS',
    timezone: 'America/New_York',
    firstDate: '2000-01-01',
    lastDate: '2030-12-31',
    publicationLagMs: 0,
    buildSessionTest: () => {
      calls.builds++;
      return (day) => weekdayOf(day) !== SATURDAY && weekdayOf(day) !== SUNDAY;
    },
    closeMinutes: (_session: IsoDate) => {
      calls.closes++;
      return 16 * 60;
    },
  };
  return { calendar: new RuleBasedCalendar(rules), calls };
}

// What a freshness check of thousands of assets and a planner asking for years rely on: the work
// per lookup does not repeat with the lookups. The speed itself is the freshness bench's to show.
describe('calendar lookups at scale', () => {
  it('builds the session list once however many ranges are asked for', () => {
    // Prepare
    const { calendar, calls } = countedWeekdayCalendar();

    // Act
    const ranges = Array.from({ length: 1000 }, () => calendar.sessionsBetween('2015-01-01', '2024-12-31'));

    // Assess
    expect(calls.builds).toBe(1);
    expect(ranges[999]).toEqual(ranges[0]);
    expect(ranges[0]).toHaveLength(2609);
    expect(toDay(ranges[0]?.[0] as IsoDate)).toBe(dayOf(2015, 1, 1));
  });

  it('computes each close at most once, and a binary search’s worth per distinct instant', () => {
    // Prepare
    const { calendar, calls } = countedWeekdayCalendar();
    const at = new Date('2025-06-10T22:00:00Z');

    // Act
    const answers = Array.from({ length: 5000 }, () => calendar.expectedLastSession(at));

    // Assess: about 8,100 sessions, so one search reads at most 14 closes
    expect(new Set(answers)).toEqual(new Set(['2025-06-10']));
    expect(calls.closes).toBeLessThanOrEqual(14);
  });
});
