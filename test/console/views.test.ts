import { describe, expect, it } from 'vitest';
import { chartBars, retryHint } from '#shared/console/views.ts';
import type { AdjustedBar } from '#shared/db/adjusted-prices.ts';

const bar = (sessionDate: string, source: string, close: number): AdjustedBar => ({
  symbol: 'SPY',
  sessionDate,
  source,
  open: close,
  high: close,
  low: close,
  close,
  volume: 10,
  factor: 1,
});

describe('chartBars', () => {
  it('draws one bar per session, the first source of a session stored twice', () => {
    const drawn = chartBars([
      bar('2024-01-02', 'upbit', 1),
      bar('2024-01-02', 'yahoo', 2),
      bar('2024-01-03', 'yahoo', 3),
    ]);

    expect(drawn.map((b) => [b.time, b.source, b.close])).toEqual([
      ['2024-01-02', 'upbit', 1],
      ['2024-01-03', 'yahoo', 3],
    ]);
  });
});

describe('retryHint', () => {
  const finished = { id: 7, finishedAt: new Date(), tasksFailed: 1 };

  it('names backfill --retry-failed once a job has ended with failed or cancelled tasks', () => {
    expect(retryHint(finished, { failed: 1, success: 3 })).toBe('npm run cli -- backfill --retry-failed 7');
    expect(retryHint({ ...finished, tasksFailed: 0 }, { cancelled: 2 })).toBe(
      'npm run cli -- backfill --retry-failed 7',
    );
  });

  it('gives none while the job runs, or when every task succeeded', () => {
    expect(retryHint({ ...finished, finishedAt: null }, { failed: 1, running: 2 })).toBeNull();
    expect(retryHint({ ...finished, tasksFailed: 0 }, { success: 4 })).toBeNull();
  });
});
