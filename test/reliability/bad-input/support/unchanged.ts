import { expect } from 'vitest';
import type { Sql } from '#shared/db/client.ts';

/** The tables bad input must never touch, with their row counts. */
export interface TableCounts {
  assets: number;
  jobRuns: number;
  jobTasks: number;
  pricesDaily: number;
  qualityFlags: number;
  domainEvents: number;
  marketSessions: number;
}

/** Row counts of every table a request could write to, in one round trip. */
export async function tableCounts(sql: Sql): Promise<TableCounts> {
  const [row] = await sql<TableCounts[]>`
    SELECT (SELECT count(*)::int FROM assets) AS assets,
           (SELECT count(*)::int FROM job_runs) AS job_runs,
           (SELECT count(*)::int FROM job_tasks) AS job_tasks,
           (SELECT count(*)::int FROM prices_daily) AS prices_daily,
           (SELECT count(*)::int FROM quality_flags) AS quality_flags,
           (SELECT count(*)::int FROM domain_events) AS domain_events,
           (SELECT count(*)::int FROM market_sessions) AS market_sessions`;
  return row as TableCounts;
}

/** What a person reads must fit on one line of a terminal or log: no line break of any kind. */
const LINE_BREAK = /[\r\n\u2028\u2029\u0085]/;
/** A message echoes at most this much of what it was given. */
export const MAX_MESSAGE_LENGTH = 300;

/** A one-line, bounded message that matches `pattern` (which names the field and what to fix). */
export function expectActionableMessage(message: string, pattern: RegExp): void {
  expect(message).toMatch(pattern);
  expect(message).not.toMatch(LINE_BREAK);
  expect(message.length).toBeLessThan(MAX_MESSAGE_LENGTH);
}

/** The error a promise rejects with (a resolved promise fails the test with its value). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome))
    expect.fail(`expected a rejection, got ${JSON.stringify(outcome.resolved)?.slice(0, 200)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}
