import type { AdjustedBar } from '#shared/db/adjusted-prices.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { JobRun, TaskStatus } from '#shared/domain/job.ts';

/** One bar as the chart draws it: `time` is the session date (lightweight-charts' business day). */
export interface ChartBar {
  time: IsoDate;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  factor: number;
  source: string;
}

/**
 * The bars of one asset in session order, one per session: a chart's time axis takes each time once,
 * so when two sources stored the same session the first in source order is drawn.
 */
export function chartBars(bars: readonly AdjustedBar[]): ChartBar[] {
  const drawn: ChartBar[] = [];
  for (const bar of bars) {
    if (drawn.at(-1)?.time === bar.sessionDate) continue;
    const { sessionDate, open, high, low, close, volume, factor, source } = bar;
    drawn.push({ time: sessionDate, open, high, low, close, volume, factor, source });
  }
  return drawn;
}

/**
 * The command that re-runs what a job left undone, once it has ended with failed or cancelled tasks;
 * null while it runs (its tasks may still succeed) or when nothing is left to retry.
 */
export function retryHint(
  job: Pick<JobRun, 'id' | 'finishedAt' | 'tasksFailed'>,
  counts: Partial<Record<TaskStatus, number>>,
): string | null {
  if (job.finishedAt === null) return null;
  const undone = (counts.failed ?? 0) + (counts.cancelled ?? 0);
  return undone > 0 ? `npm run cli -- backfill --retry-failed ${job.id}` : null;
}
