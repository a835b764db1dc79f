import { CalendarRangeError } from '#shared/calendars/errors.ts';
import { getCalendar } from '#shared/calendars/index.ts';
import { recordCompleteSessions } from '#shared/db/coverage.ts';
import { settleJobs } from '#shared/db/job-settlement.ts';
import {
  claimJobAnnouncement,
  type FinishTaskResult,
  markJobAnnounced,
  releaseJobAnnouncement,
} from '#shared/db/jobs.ts';
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
  if (finished?.jobFinishedNow) await announceJob(deps, finished.jobId);
}

/** A finished job's failure alert could not be delivered: the message is retried to deliver it. */
export class AnnouncementNotDeliveredError extends Error {
  override name = 'AnnouncementNotDeliveredError';
}

/**
 * Ends the job if all its tasks have (settleJobs: call it after the commit that ended one), then
 * announces it if it has finished: its failure alert at least once. The announcement is claimed for a lease
 * (ANNOUNCEMENT_LEASE_SECONDS) and marked done only after the alert went out, so concurrent callers —
 * the last task, a redelivery — do not announce it together, and a holder that dies or cannot alert
 * leaves it to the next delivery of one of the job's messages.
 * 1. Settle the job; nothing more to do while it runs (one statement, for every task but the last).
 *    Claim the announcement; nothing to do if another caller holds it or it was announced.
 * 2. Count the outcome; publish JobFinished and MarketSessionComplete for every session of the job's
 *    range that is now complete for a whole market (recorded once in market_sessions).
 * 3. Alert when the job did not fully succeed; then mark the job announced.
 * @throws AnnouncementNotDeliveredError when the alert could not be delivered (the claim is released
 *   first): the message that brought the caller here fails and is redelivered, which announces again.
 */
export async function announceJob(deps: PipelineDeps, jobId: number): Promise<void> {
  const [settled] = await settleJobs(deps.sql, [jobId]);
  if (!settled?.finished) return;
  const job = await claimJobAnnouncement(deps.sql, jobId);
  if (!job) return;
  try {
    await announceClaimed(deps, job);
  } catch (error) {
    await releaseJobAnnouncement(deps.sql, job.id);
    throw error;
  }
  await markJobAnnounced(deps.sql, job.id);
}

async function announceClaimed(deps: PipelineDeps, job: JobRun): Promise<void> {
  deps.metrics.add('JobsFinished', 1, { Status: job.status });
  deps.log.info('job finished', { jobId: job.id, status: job.status, rows: job.rowsUpserted });
  const events: DomainEvent[] = [jobFinishedEvent(job)];
  for (const market of MARKETS) {
    const asked = sessionsOf(deps, market, job);
    const sessions = await recordCompleteSessions(deps.sql, market, asked);
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
  if (job.status === 'success') return;
  if ((await deps.alerter.send(jobAlert(job))) === false) {
    deps.metrics.add('AnnouncementsFailed', 1, { Status: job.status });
    deps.log.error('job alert not delivered; the job is announced again on the next delivery', {
      jobId: job.id,
      status: job.status,
    });
    throw new AnnouncementNotDeliveredError(
      `announce: the ${job.status} alert of job ${job.id} could not be delivered; it is retried with the message`,
    );
  }
}

/** The market's sessions over the job's range; none (logged) where the calendar does not reach. */
function sessionsOf(deps: PipelineDeps, market: (typeof MARKETS)[number], job: JobRun): string[] {
  try {
    return getCalendar(market).sessionsBetween(job.rangeStart, job.rangeEnd);
  } catch (error) {
    if (!(error instanceof CalendarRangeError)) throw error;
    deps.log.warn('market sessions not recorded: the calendar does not cover the job', {
      jobId: job.id,
      market,
      error: error.message,
    });
    return [];
  }
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
