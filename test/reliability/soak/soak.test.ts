import { beforeAll, describe, expect, it } from 'vitest';
import { runSoak } from './run-soak.ts';
import { formatSoakReport, type SoakReport } from './soak-report.ts';

/**
 * CI's size: about 57,000 bars in well under a minute on 2 cores (`npm run soak` runs the full size).
 * 4 % rather than the full run's 1 %: at this size 1 % meets only a handful of faults, 4 % meets every
 * kind in both phases. The fault draws are seeded, so every run meets the same ones.
 */
const REDUCED = { assets: 200, years: 1, faultRate: 0.04, seed: 1 };

describe('the soak at reduced size (200 assets, 1-year backfill, 4 % mixed faults)', () => {
  let report: SoakReport;

  beforeAll(async () => {
    report = await runSoak(REDUCED);
    console.log(formatSoakReport(report).join('\n'));
  }, 120_000);

  it('meets every kind of fault it injects', () => {
    const met = new Set(report.phases.flatMap((p) => Object.keys(p.faults)));

    expect([...met].sort()).toEqual(['hang', 'rate429', 'rate5xx', 'truncated']);
  });

  it('leaves no job or task unfinished', () => {
    expect({ jobs: report.unfinishedJobs, tasks: report.unfinishedTasks }).toEqual({ jobs: 0, tasks: 0 });
  });

  it('leaves both queues empty', () => {
    expect(report.queuedMessages).toBe(0);
  });

  it('recovers every failed task with retryFailedOf rounds', () => {
    expect(report.phases.map((p) => [p.name, p.failedAfterRetries])).toEqual([
      ['daily', 0],
      ['backfill', 0],
    ]);
  });

  it('stores every served bar exactly once, with the served prices', () => {
    const { expected } = report.reconciliation;

    expect(expected).toBeGreaterThan(50_000);
    expect(report.reconciliation).toEqual({
      expected,
      stored: expected,
      missing: 0,
      duplicated: 0,
      unexpected: 0,
      mismatched: 0,
    });
  });

  it('never holds more database connections than its pool', () => {
    expect(report.peakConnections).toBeLessThanOrEqual(report.connectionLimit);
  });

  it('never goes over a provider request limit', () => {
    expect(report.phases.map((p) => p.overLimit429)).toEqual([0, 0]);
  });

  it('holds every invariant it reports', () => {
    expect(report.invariants.filter((i) => !i.ok)).toEqual([]);
  });
});
