import { readFileSync } from 'node:fs';
import type { IsoDate } from '#shared/domain/daily-bar.ts';

/** One row of an exchange_calendars answer key: a session date and its close instant. */
export interface AnswerKeyRow {
  session: IsoDate;
  close: Date;
}

/**
 * The sessions of shared/fixtures/calendars/<name>.csv, read in place (the fixtures live outside
 * the repository and are never copied into it). Columns: session label, open, close, break_start, break_end.
 */
export function readAnswerKey(name: 'xnys' | 'xkrx'): AnswerKeyRow[] {
  const file = new URL(`../../../shared/fixtures/calendars/${name}.csv`, import.meta.url);
  const [, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [label = '', , close = ''] = line.split(',');
    return { session: label.slice(0, 10), close: new Date(close) };
  });
}

/** The first few dates each side lacks, so a failing comparison of 10,000 sessions stays readable. */
export function sessionDifferences(expected: readonly IsoDate[], actual: readonly IsoDate[], shown = 5) {
  const expectedSet = new Set(expected);
  const actualSet = new Set(actual);
  const missing = expected.filter((date) => !actualSet.has(date));
  const extra = actual.filter((date) => !expectedSet.has(date));
  return {
    missing: missing.slice(0, shown),
    missingCount: missing.length,
    extra: extra.slice(0, shown),
    extraCount: extra.length,
    duplicates: actual.length - actualSet.size,
  };
}

export const NO_DIFFERENCES = { missing: [], missingCount: 0, extra: [], extraCount: 0, duplicates: 0 };
