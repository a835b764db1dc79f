import type { PipelineDeps } from './deps.ts';
import { type EndTasksResult, failAndAnnounce } from './end-tasks.ts';

/**
 * The CLI was stopped (Ctrl-C, SIGTERM) while it worked these jobs: its queue dies with the process, so
 * every task still pending or running fails as interrupted, and each job ends (partial_failure or
 * failure) and can be retried with `backfill --retry-failed ID`. An ingest still in flight rolls its
 * bars back when it finds its task ended, so the retry stores exactly the missing sessions.
 */
export async function interruptJobs(
  deps: PipelineDeps,
  jobIds: readonly number[],
  signal: string,
): Promise<EndTasksResult> {
  return failAndAnnounce(
    deps,
    { jobIds },
    `interrupted: the CLI was stopped (${signal}) before this task ended`,
    'TasksInterrupted',
  );
}
