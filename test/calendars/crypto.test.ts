import { describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';

const crypto = getCalendar('24/7');

describe('the 24/7 (crypto) calendar', () => {
  it('has every date as a session', () => {
    const sessions = crypto.sessionsBetween('2024-01-01', '2024-12-31');

    expect(sessions).toHaveLength(366);
    expect(sessions).toContain('2024-02-29');
    expect(sessions).toContain('2024-12-25');
  });

  it('closes each session at 24:00 UTC, the start of the next date', () => {
    expect(crypto.sessionClose('2024-02-29').toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('expects the previous UTC day once an hour has passed after midnight', () => {
    expect(crypto.expectedLastSession(new Date('2024-03-01T00:59:59Z'))).toBe('2024-02-28');
    expect(crypto.expectedLastSession(new Date('2024-03-01T01:00:00Z'))).toBe('2024-02-29');
  });
});
