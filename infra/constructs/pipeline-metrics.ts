import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { FinalJobStatus } from '#shared/domain/job.ts';
import type { ProviderName } from '#shared/providers/types.ts';
import type { RecordFailureReason } from '#shared/usecases/consume-outcome.ts';
import type { StageName } from '../config.ts';

/** POWERTOOLS_METRICS_NAMESPACE of every function. */
export const METRICS_NAMESPACE = 'MarketData';

/**
 * POWERTOOLS_SERVICE_NAME of every function of a stage. Powertools adds it to every EMF metric as the
 * `service` dimension, so it is one value per stage (dev and prod can share an account) rather than
 * one per function: a metric such as JobsFinished is emitted by whichever function ends the job.
 */
export function serviceName(stage: StageName): string {
  return `market-data-${stage}`;
}

/** Every provider and final job status, as dimension values; a Record so a new one fails to compile. */
export const PROVIDER_LABELS: Record<ProviderName, string> = { yahoo: 'Yahoo', upbit: 'Upbit' };
export const JOB_STATUS_LABELS: Record<FinalJobStatus, string> = {
  success: 'success',
  partial_failure: 'partial failure',
  failure: 'failure',
};
/** The statuses whose jobs are alerted (shared/usecases/finish-job.ts): every final one but success. */
type AlertedJobStatus = Exclude<FinalJobStatus, 'success'>;
const ALERTED_JOB_STATUSES = (Object.keys(JOB_STATUS_LABELS) as FinalJobStatus[]).filter(
  (s): s is AlertedJobStatus => s !== 'success',
);
export const RECORD_FAILURE_LABELS: Record<RecordFailureReason, string> = {
  unreadable: 'not a task message',
  'unknown-task': 'unknown task',
  'wrong-job': "another job's task",
  error: 'error (redelivered)',
};

/**
 * The application's EMF metrics, built in one place so the dashboard and the alarms name exactly the
 * dimension sets the use cases emit (each metric with its own dimensions is a separate single metric):
 * { service } plus Provider, Status or Reason where noted.
 */
export class PipelineMetrics {
  constructor(private readonly service: string) {}

  /** Rows upserted (dimensions: service, Provider). */
  rowsIngested(provider: ProviderName): Metric {
    return this.metric('RowsIngested', { Provider: provider }, `${PROVIDER_LABELS[provider]} rows`);
  }

  /** Bars rejected by validation (dimensions: service, Provider). */
  barsRejected(provider: ProviderName): Metric {
    return this.metric('BarsRejected', { Provider: provider }, `${PROVIDER_LABELS[provider]} rejected`);
  }

  /** Jobs that reached a final status (dimensions: service, Status). */
  jobsFinished(status: FinalJobStatus): Metric {
    return this.metric('JobsFinished', { Status: status }, JOB_STATUS_LABELS[status]);
  }

  /** Tasks given up on by ingest (dimensions: service, Provider). */
  tasksFailed(provider: ProviderName): Metric {
    return this.metric('TasksFailed', { Provider: provider }, `${PROVIDER_LABELS[provider]} failed`);
  }

  /** Tasks whose message dead-lettered and were marked failed (dimensions: service, Reason). */
  tasksDeadLettered(): Metric {
    return this.metric('TasksFailed', { Reason: 'dead-letter' }, 'dead-lettered');
  }

  /** Tasks postponed because the provider answered 429 (dimensions: service, Provider). */
  tasksRateLimited(provider: ProviderName): Metric {
    return this.metric('TasksRateLimited', { Provider: provider }, `${PROVIDER_LABELS[provider]} 429`);
  }

  /** Queue messages that failed, not deliberately deferred (dimensions: service, Reason). */
  recordsFailed(reason: RecordFailureReason): Metric {
    return this.metric('RecordsFailed', { Reason: reason }, RECORD_FAILURE_LABELS[reason]);
  }

  /** Every failed queue message, whatever its reason: the sum of recordsFailed over the reasons. */
  allRecordsFailed(period = Duration.minutes(5)): MathExpression {
    const reasons = Object.keys(RECORD_FAILURE_LABELS) as RecordFailureReason[];
    return sumOf(
      reasons.map((r) => this.recordsFailed(r)),
      period,
      'failed records',
    );
  }

  /** Job alerts that could not be delivered (dimensions: service, Status; a success sends none). */
  announcementsFailed(status: AlertedJobStatus): Metric {
    return this.metric('AnnouncementsFailed', { Status: status }, `${JOB_STATUS_LABELS[status]} undelivered`);
  }

  /** Every undelivered job alert, whatever the job's status: the sum of announcementsFailed. */
  allAnnouncementsFailed(period = Duration.minutes(5)): MathExpression {
    return sumOf(
      ALERTED_JOB_STATUSES.map((s) => this.announcementsFailed(s)),
      period,
      'undelivered job alerts',
    );
  }

  /** Corporate-action refreshes that failed (dimensions: service, Provider; Yahoo is the one with actions). */
  actionRefreshesFailed(provider: ProviderName = 'yahoo'): Metric {
    return this.metric(
      'ActionRefreshesFailed',
      { Provider: provider },
      `${PROVIDER_LABELS[provider]} action refreshes failed`,
    );
  }

  /** Ingest tasks that ran past their deadline, a stuck step (dimensions: service). */
  taskDeadlinesExceeded(): Metric {
    return this.metric('TaskDeadlineExceeded', {}, 'deadlines passed');
  }

  /** Tasks the reaper failed because nobody would finish them (dimensions: service). */
  tasksReaped(): Metric {
    return this.metric('TasksReaped', {}, 'reaped');
  }

  /** Assets behind their calendar, emitted once per freshness run (dimensions: service). */
  staleAssets(): Metric {
    return this.metric('StaleAssets', {}, 'stale assets', 'Maximum');
  }

  /** Alarm notifications the notifier found the Discord webhook unset for (dimensions: service). */
  discordWebhookUnset(): Metric {
    return this.metric('DiscordWebhookUnset', {}, 'webhook unset').with({ period: Duration.minutes(5) });
  }

  private metric(name: string, dimensions: Record<string, string>, label: string, statistic = 'Sum'): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: this.service, ...dimensions },
      statistic,
      period: Duration.hours(1),
      label,
    });
  }
}

/**
 * The sum of single metrics (one per dimension value) over `period`, a missing datapoint counting 0:
 * what one alarm on a metric emitted with several dimension sets watches.
 */
function sumOf(metrics: Metric[], period: Duration, label: string): MathExpression {
  return new MathExpression({
    expression: `SUM([${metrics.map((_, i) => `FILL(m${i}, 0)`).join(', ')}])`,
    usingMetrics: Object.fromEntries(metrics.map((m, i) => [`m${i}`, m.with({ period })])),
    period,
    label,
  });
}
