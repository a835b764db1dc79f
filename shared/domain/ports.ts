import type { FinalJobStatus, JobKind } from './job.ts';

/** Facts other systems react to, published once each. */
export type DomainEvent =
  | {
      type: 'JobFinished';
      detail: {
        jobId: number;
        kind: JobKind;
        status: FinalJobStatus;
        tasksTotal: number;
        tasksSucceeded: number;
        tasksFailed: number;
        rowsUpserted: number;
      };
    }
  | { type: 'MarketSessionComplete'; detail: { market: string; sessionDate: string; assets: number } };

/** EventBridge on AWS; the log and the database locally. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export interface Alert {
  title: string;
  severity: 'info' | 'warning' | 'error';
  description: string;
  fields?: { name: string; value: string }[];
}

/** Discord, or the log when no webhook is configured. Never throws: a lost alert must not fail its caller. */
export interface Alerter {
  /**
   * @returns false when the alert could not be delivered (already logged), so that a caller who must
   * deliver it at least once can try again later; true (or nothing) when it was sent or deliberately
   * logged instead (no webhook configured).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: alerters that report nothing (Promise<void>) still fit
  send(alert: Alert): Promise<boolean | void>;
}

export type MetricName =
  | 'RowsIngested'
  | 'TasksFailed'
  | 'TasksRateLimited'
  | 'StaleAssets'
  | 'JobsFinished'
  | 'BarsRejected'
  | 'ActionRefreshesFailed'
  /** A queue message that failed (not a deliberate deferral); dimension Reason. */
  | 'RecordsFailed'
  | 'TasksReaped'
  | 'TasksInterrupted'
  | 'AnnouncementsFailed'
  | 'TaskDeadlineExceeded'
  | 'BarsRevised'
  | 'HistoriesRebased'
  | 'ClosedDayBars'
  | 'SuspectedDelisted'
  /** The notifier found the Discord secret still holding its placeholder (alerts go only to e-mail). */
  | 'DiscordWebhookUnset'
  /** An alarm notification Discord did not accept; the notifier throws, so Lambda retries and parks it. */
  | 'AlertsUndelivered';

/** CloudWatch EMF on AWS; a tally locally. */
export interface Metrics {
  add(name: MetricName, value: number, dimensions?: Record<string, string>): void;
}

/** Structured log lines (Powertools logger on AWS). */
export interface Log {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}
