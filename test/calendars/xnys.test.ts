import { describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { NO_DIFFERENCES, readAnswerKey, sessionDifferences } from './answer-key.ts';

const xnys = getCalendar('XNYS');
const answerKey = readAnswerKey('xnys');

describe('XNYS against the exchange_calendars answer key (1990-01-02..2023-01-13)', () => {
  it('has exactly the sessions of the answer key', () => {
    // Prepare
    const expected = answerKey.map((row) => row.session);

    // Act
    const actual = xnys.sessionsBetween('1990-01-02', '2023-01-13');

    // Assess
    expect(sessionDifferences(expected, actual)).toEqual(NO_DIFFERENCES);
    expect(actual).toEqual(expected);
  });

  it('closes every session at the instant the answer key gives, early closes included', () => {
    const mismatches = answerKey
      .filter((row) => xnys.sessionClose(row.session).getTime() !== row.close.getTime())
      .map((row) => `${row.session}: expected ${row.close.toISOString()}`);

    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

describe('XNYS holidays', () => {
  it.each([
    ['2025-01-09', 'national day of mourning for President Carter'],
    ['2022-06-20', 'Juneteenth (Sunday) observed on Monday'],
    ['2027-06-18', 'Juneteenth (Saturday) observed on Friday'],
    ['1998-01-19', 'the first Martin Luther King Jr. Day the NYSE closed for'],
    ['2024-03-29', 'Good Friday'],
    ['2026-07-03', 'Independence Day (Saturday) observed on Friday'],
  ])('is closed on %s (%s)', (date) => {
    expect(xnys.isSession(date)).toBe(false);
  });

  it.each([
    ['1997-01-20', 'Martin Luther King Jr. Day before the NYSE observed it'],
    ['2021-12-31', "the Friday before a Saturday New Year's Day"],
    ['2027-12-31', "the Friday before a Saturday New Year's Day"],
  ])('is open on %s (%s)', (date) => {
    expect(xnys.isSession(date)).toBe(true);
  });
});

describe('XNYS session close', () => {
  it.each([
    ['2024-03-08', '2024-03-08T21:00:00.000Z', '16:00 EST'],
    ['2024-03-11', '2024-03-11T20:00:00.000Z', '16:00 EDT after the spring DST change'],
    ['2023-07-03', '2023-07-03T17:00:00.000Z', 'Monday July 3 closes 13:00'],
    ['2024-07-03', '2024-07-03T17:00:00.000Z', 'Wednesday July 3 closes 13:00 (since 2013)'],
    ['2025-11-28', '2025-11-28T18:00:00.000Z', 'the day after Thanksgiving closes 13:00'],
    ['2025-12-24', '2025-12-24T18:00:00.000Z', 'Christmas Eve closes 13:00'],
    ['2026-07-02', '2026-07-02T20:00:00.000Z', 'the day before an observed July 3 holiday closes normally'],
  ])('closes %s at %s (%s)', (session, close) => {
    expect(xnys.sessionClose(session).toISOString()).toBe(close);
  });
});

describe('XNYS expectedLastSession', () => {
  it('returns the previous Friday on a Monday morning in New York', () => {
    expect(xnys.expectedLastSession(new Date('2024-06-10T13:00:00Z'))).toBe('2024-06-07');
  });

  it('returns a session only once its close plus the two-hour publication lag has passed', () => {
    // Prepare: Friday 2024-06-07 closes at 20:00Z (16:00 EDT)
    const justBefore = new Date('2024-06-07T21:59:59Z');
    const atLag = new Date('2024-06-07T22:00:00Z');

    // Act / Assess
    expect(xnys.expectedLastSession(justBefore)).toBe('2024-06-06');
    expect(xnys.expectedLastSession(atLag)).toBe('2024-06-07');
  });

  it('counts the lag from the early close on the day after Thanksgiving', () => {
    expect(xnys.expectedLastSession(new Date('2024-11-29T20:00:00Z'))).toBe('2024-11-29');
  });

  it('skips a holiday Monday', () => {
    expect(xnys.expectedLastSession(new Date('2024-05-28T12:00:00Z'))).toBe('2024-05-24');
  });
});
