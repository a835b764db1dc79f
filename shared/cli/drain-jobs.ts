import type { Sql } from '#shared/db/client.ts';
import { DRAIN_IN_FLIGHT, type DrainStats, type LocalRuntime } from '#shared/local/runtime.ts';
import { interruptJobs } from '#shared/usecases/interrupt-jobs.ts';
import { watchDatabase } from './database-watch.ts';
import { InterruptedError, stoppable, stopSignalReceived } from './interrupt.ts';
import { withJobProgress } from './progress.ts';

/** How long a stopped drain waits for the tasks in flight before recording them as interrupted. */
const IN_FLIGHT_GRACE_MS = 10_000;

/**
 * Works the queue until the jobs' tasks have ended, with the progress bar. On Ctrl-C or SIGTERM:
 * 1. stop taking tasks and give the ones in flight up to 10 s to finish;
 * 2. fail every task of these jobs still pending or running as interrupted, which ends each job
 *    (partial_failure or failure, announced) so `backfill --retry-failed ID` can resume it;
 * 3. throw InterruptedError: the CLI prints how to resume and exits 130 (143 for SIGTERM), after the
 *    progress bar is stopped and the database closed on the way out.
 * When the database stays unreachable for 15 s, the drain stops too and DatabaseGoneError says so.
 * @throws InterruptedError when a stop signal arrived; DatabaseGoneError when the database went away.
 */
export async function drainJobs(
  runtime: LocalRuntime,
  db: { sql: Sql; location: string },
  jobIds: readonly number[],
  showProgress: boolean,
): Promise<DrainStats> {
  const watch = watchDatabase(db.sql, db.location);
  let stats: DrainStats;
  try {
    stats = await stoppable((signal) =>
      withJobProgress(db.sql, jobIds, showProgress, () =>
        withGrace(runtime.drain(DRAIN_IN_FLIGHT, AbortSignal.any([signal, watch.signal])), signal),
      ),
    );
  } finally {
    watch.stop();
  }
  // Nothing can be recorded now: the reaper ends these jobs once the database is back.
  if (watch.gone) throw watch.gone;
  const stoppedBy = stopSignalReceived();
  if (stoppedBy === undefined) return stats;
  const ended = await interruptJobs(runtime.deps, jobIds, stoppedBy);
  const retry = jobIds.map((id) => `backfill --retry-failed ${id}`).join(', ');
  throw new InterruptedError(
    stoppedBy,
    `interrupted by ${stoppedBy}: ${ended.tasks} unfinished tasks recorded as interrupted; resume with: ${retry}`,
  );
}

/** The drain's stats, or as soon as the grace after a stop signal runs out, the stats so far. */
async function withGrace(drain: Promise<DrainStats>, signal: AbortSignal): Promise<DrainStats> {
  let timer: NodeJS.Timeout | undefined;
  let start = () => {};
  const graceOver = new Promise<DrainStats>((resolve) => {
    start = () => {
      timer = setTimeout(
        () => resolve({ processed: 0, retried: 0, deadLettered: 0, poisoned: [] }),
        IN_FLIGHT_GRACE_MS,
      );
    };
  });
  if (signal.aborted) start();
  else signal.addEventListener('abort', start, { once: true });
  try {
    return await Promise.race([drain, graceOver]);
  } finally {
    signal.removeEventListener('abort', start);
    clearTimeout(timer);
  }
}
