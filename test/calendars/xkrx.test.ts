import { describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { NO_DIFFERENCES, readAnswerKey, sessionDifferences } from './answer-key.ts';

const xkrx = getCalendar('XKRX');
// The answer key starts in 1986; the calendar starts in 1990.
const answerKey = readAnswerKey('xkrx').filter((row) => row.session >= '1990-01-01');

/**
 * The 2027 CSAT was fixed for 2026-11-19 by the Ministry of Education in 2024; KRX shifts its hours
 * on every CSAT day (1993-2025 in the answer key) but the answer key predates its notice for 2026.
 */
const KNOWN_LATER_THAN_ANSWER_KEY = new Set(['2026-11-19']);

describe('XKRX against the exchange_calendars answer key (1990-01-01..2026-12-30)', () => {
  it('has exactly the sessions of the answer key, pre-1999 Saturday sessions included', () => {
    // Prepare
    const expected = answerKey.map((row) => row.session);

    // Act
    const actual = xkrx.sessionsBetween('1990-01-01', '2026-12-30');

    // Assess
    expect(sessionDifferences(expected, actual)).toEqual(NO_DIFFERENCES);
    expect(actual).toEqual(expected);
  });

  it('closes every session at the instant the answer key gives, except the 2026 CSAT day', () => {
    const mismatches = answerKey
      .filter((row) => !KNOWN_LATER_THAN_ANSWER_KEY.has(row.session))
      .filter((row) => xkrx.sessionClose(row.session).getTime() !== row.close.getTime())
      .map((row) => `${row.session}: expected ${row.close.toISOString()}`);

    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('closes the 2026 CSAT day an hour late, at 16:30 Seoul time', () => {
    expect(xkrx.sessionClose('2026-11-19').toISOString()).toBe('2026-11-19T07:30:00.000Z');
  });
});

describe('XKRX sessions', () => {
  it.each([
    ['2025-01-27', 'temporary holiday before Seollal'],
    ['2024-12-31', 'year-end closure'],
    ['2023-12-29', 'year-end closure on the last business day when 12-31 is a Sunday'],
    ['2025-05-01', 'Labour Day'],
    ['2027-02-09', 'substitute holiday for Seollal on a Sunday'],
    ['2030-12-31', 'year-end closure after the last table year rules'],
  ])('is closed on %s (%s)', (date) => {
    expect(xkrx.isSession(date)).toBe(false);
  });

  it('traded on Saturdays until 1998-12-05 and not after', () => {
    expect(xkrx.isSession('1998-12-05')).toBe(true);
    expect(xkrx.isSession('1998-12-12')).toBe(false);
  });

  it('has a plausible number of sessions in each year after the answer key', () => {
    const counts = [2027, 2028, 2029, 2030].map(
      (year) => xkrx.sessionsBetween(`${year}-01-01`, `${year}-12-31`).length,
    );

    for (const count of counts) expect(count).toBeGreaterThanOrEqual(240);
    for (const count of counts) expect(count).toBeLessThanOrEqual(250);
  });
});

describe('XKRX session close', () => {
  it.each([
    ['1994-12-28', '1994-12-28T06:20:00.000Z', '15:20 until 1994'],
    ['2016-07-29', '2016-07-29T06:00:00.000Z', '15:00 until July 2016'],
    ['2016-08-01', '2016-08-01T06:30:00.000Z', '15:30 since August 2016'],
    [
      '2025-01-02',
      '2025-01-02T06:30:00.000Z',
      'the first session of the year opens late but closes normally',
    ],
    ['2025-11-13', '2025-11-13T07:30:00.000Z', 'CSAT day closes at 16:30'],
    ['2027-11-18', '2027-11-18T07:30:00.000Z', 'the announced 2027 CSAT day closes at 16:30'],
  ])('closes %s at %s (%s)', (session, close) => {
    expect(xkrx.sessionClose(session).toISOString()).toBe(close);
  });
});

describe('XKRX expectedLastSession', () => {
  it('returns the Friday before Seollal week until the first session after it has published', () => {
    // Prepare: 2025-01-27..30 are closed; Friday 01-31 closes 15:30 KST = 06:30Z
    const beforePublication = new Date('2025-01-31T08:29:59Z');
    const afterPublication = new Date('2025-01-31T08:30:00Z');

    // Act / Assess
    expect(xkrx.expectedLastSession(beforePublication)).toBe('2025-01-24');
    expect(xkrx.expectedLastSession(afterPublication)).toBe('2025-01-31');
  });
});
