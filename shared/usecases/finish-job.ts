import { recordCompleteSessions } from '#shared/db/coverage.ts';
import { claimJobAnnouncement, type FinishTaskResult } from '#shared/db/jobs.ts';
import type { JobRun } from '#shared/domain/job.ts';
import type { DomainEvent } from '#shared/domain/ports.ts';
import type { PipelineDeps } from './deps.ts';

const MARKETS = ['XNYS', 'XKRX', '24/7'] as const;

/**
 * What happens once a task has ended: if that ended its job, announce the job.
 */
export async function afterTaskFinished(
  deps: PipelineDeps,
  finished: FinishTaskResult | undefined,
): Promise<void> {
  if (finished?.jobFinishedNow) await announceJob(deps, finished.job.id);
}

/**
 * Announces a finished job, once (claimed in the database, so concurrent or repeated callers — the
 * last task, a redelivery after a crash — cannot announce it twice).
 * 1. Claim the announcement; nothing to do if the job runs or was announced.
 * 2. Count the outcome; publish JobFinished and MarketSessionComplete for every session of the job's
 *    range that is now complete for a whole market (recorded once in market_sessions).
 * 3. Alert when the job did not fully succeed (an alert that fails is logged, never thrown).
 */
export async function announceJob(deps: PipelineDeps, jobId: number): Promise<void> {
  const job = await claimJobAnnouncement(deps.sql, jobId);
  if (!job) return;
  deps.metrics.add('JobsFinished', 1, { Status: job.status });
  deps.log.info('job finished', { jobId: job.id, status: job.status, rows: job.rowsUpserted });
  const events: DomainEvent[] = [jobFinishedEvent(job)];
  for (const market of MARKETS) {
    const sessions = await recordCompleteSessions(deps.sql, market, job.rangeStart, job.rangeEnd);
    for (const s of sessions) {
      events.push({
        type: 'MarketSessionComplete',
        detail: { market, sessionDate: s.sessionDate, assets: s.assets },
      });
    }
  }
  // The job row and market_sessions rows are the durable record; a lost event must not undo the ingest.
  await deps.events.publish(events).catch((error: unknown) => {
    deps.log.error('events could not be published', {
      jobId: job.id,
      events,
      error: (error as Error).message,
    });
  });
  if (job.status !== 'success') await deps.alerter.send(jobAlert(job));
}

function jobAlert(job: JobRun): Parameters<PipelineDeps['alerter']['send']>[0] {
  const failures = job.errorSummary?.failures ?? [];
  return {
    title: `${job.kind} job ${job.id} ended ${job.status}`,
    severity: job.status === 'failure' ? 'error' : 'warning',
    description:
      `${job.tasksFailed} of ${job.tasksTotal} tasks failed` +
      `${job.market ? ` (${job.market})` : ''}, range ${job.rangeStart}..${job.rangeEnd}.` +
      ` Retry the failed ones with: backfill --retry-failed ${job.id}`,
    fields: failures.slice(0, 20).map((f) => ({ name: `${f.symbol} ${f.start}..${f.end}`, value: f.error })),
  };
}

export function jobFinishedEvent(job: {
  id: number;
  kind: 'scheduled' | 'backfill' | 'repair';
  status: string;
  tasksTotal: number;
  tasksSucceeded: number;
  tasksFailed: number;
  rowsUpserted: number;
}): DomainEvent {
  return {
    type: 'JobFinished',
    detail: {
      jobId: job.id,
      kind: job.kind,
      status: job.status as 'success' | 'partial_failure' | 'failure',
      tasksTotal: job.tasksTotal,
      tasksSucceeded: job.tasksSucceeded,
      tasksFailed: job.tasksFailed,
      rowsUpserted: job.rowsUpserted,
    },
  };
}
