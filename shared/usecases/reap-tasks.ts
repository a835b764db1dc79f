import type { PipelineDeps } from './deps.ts';
import { type EndTasksResult, failAndAnnounce } from './end-tasks.ts';

/** The queue's longest message delay (SQS's 15 minutes): a pending task may wait that long by design. */
const QUEUE_MAX_DELAY_MINUTES = 15;

export interface ReapOptions {
  /**
   * One deadline in minutes for both, since the last progress (running) or the planned slot (pending),
   * e.g. 0 from the CLI after a crash when nothing else runs: every unfinished task then ends.
   */
  olderThanMinutes?: number;
}

export interface ReapResult {
  running: EndTasksResult;
  pending: EndTasksResult;
}

/**
 * The reaper: ends tasks nobody will finish, so their jobs end and can be retried.
 * 1. Running tasks with no progress recorded (an attempt or a retry note) for reapRunningAfterMinutes:
 *    their worker died (Ctrl-C, a crash, a kill) and no redelivery came. On AWS the ingest queue
 *    redelivers within its 12-minute visibility timeout and dead-letters after 5 receives, and a rate
 *    limit defers a task at most 15 minutes, so an hour of silence means nothing will come.
 * 2. Pending tasks never started reapPendingAfterMinutes after their planned slot plus the queue's
 *    longest delay: their message was never sent (a crash during fan-out) or was lost.
 * Each is failed with the reason; jobs that end by it are announced like any other job end.
 */
export async function reapOverdueTasks(deps: PipelineDeps, options: ReapOptions = {}): Promise<ReapResult> {
  const now = deps.now().getTime();
  const runningMinutes = options.olderThanMinutes ?? deps.settings.reapRunningAfterMinutes;
  // An explicit age is the whole window: `--older-than 0` ends every unfinished task.
  const pendingMinutes =
    options.olderThanMinutes ?? deps.settings.reapPendingAfterMinutes + QUEUE_MAX_DELAY_MINUTES;
  const running = await failAndAnnounce(
    deps,
    { runningSilentSince: new Date(now - runningMinutes * 60_000) },
    `reaped: running with no progress for over ${runningMinutes} min (its worker stopped or its message was lost)`,
    'TasksReaped',
  );
  const pending = await failAndAnnounce(
    deps,
    { pendingPlannedBefore: new Date(now - pendingMinutes * 60_000) },
    `reaped: not started ${pendingMinutes} min after its planned slot (its message was never sent or was lost)`,
    'TasksReaped',
  );
  deps.log.info('reaper ran', { runningReaped: running.tasks, pendingReaped: pending.tasks });
  return { running, pending };
}
