import { describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';

describe('calendar lookups at scale', () => {
  it('answers sessionsBetween over ten years well under a millisecond on average', () => {
    // Prepare: the first call builds the session list once
    const calendar = getCalendar('XNYS');
    calendar.sessionsBetween('2015-01-01', '2024-12-31');

    // Act
    const started = performance.now();
    for (let i = 0; i < 1000; i++) calendar.sessionsBetween('2015-01-01', '2024-12-31');
    const averageMs = (performance.now() - started) / 1000;

    // Assess: typically a few microseconds; the bound leaves room for a slow CI machine
    expect(averageMs).toBeLessThan(1);
  });

  it('answers expectedLastSession for thousands of assets in a few milliseconds', () => {
    // Prepare
    const calendar = getCalendar('XKRX');
    const at = new Date('2025-06-10T12:00:00Z');
    calendar.expectedLastSession(at);

    // Act
    const started = performance.now();
    for (let i = 0; i < 5000; i++) calendar.expectedLastSession(at);
    const elapsedMs = performance.now() - started;

    // Assess
    expect(elapsedMs).toBeLessThan(50);
  });
});
