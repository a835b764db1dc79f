import { recordCompleteSessions } from '#shared/db/coverage.ts';
import type { FinishTaskResult } from '#shared/db/jobs.ts';
import type { JobRun } from '#shared/domain/job.ts';
import type { DomainEvent } from '#shared/domain/ports.ts';
import type { PipelineDeps } from './deps.ts';
import { jobFinishedEvent } from './plan-collection.ts';

const MARKETS = ['XNYS', 'XKRX', '24/7'] as const;

/**
 * What happens once a task has ended, for the one caller whose task ended its job.
 * 1. Publish JobFinished and count the outcome.
 * 2. Alert when the job did not fully succeed (an alert that fails is logged, never thrown).
 * 3. Announce, once, every session of the job's range that is now complete for a whole market.
 */
export async function afterTaskFinished(
  deps: PipelineDeps,
  finished: FinishTaskResult | undefined,
): Promise<void> {
  if (!finished?.jobFinishedNow) return;
  const { job } = finished;
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
