import type { IsoDate } from './daily-bar.ts';

export type JobKind = 'scheduled' | 'backfill' | 'repair';
export type FinalJobStatus = 'success' | 'partial_failure' | 'failure';
/** `cancelled`: ended by a person (`jobs cancel`); never announced. */
export type JobStatus = 'pending' | 'running' | FinalJobStatus | 'cancelled';
export type TaskStatus = 'pending' | 'running' | 'success' | 'failed' | 'cancelled';

/** A collection, backfill or repair run: the unit a person watches and gets alerted about. */
export interface JobRun {
  id: number;
  kind: JobKind;
  status: JobStatus;
  market: string | null;
  rangeStart: IsoDate;
  rangeEnd: IsoDate;
  assets: string[];
  request: Record<string, unknown>;
  tasksTotal: number;
  tasksSucceeded: number;
  tasksFailed: number;
  rowsUpserted: number;
  errorSummary: JobErrorSummary | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface JobErrorSummary {
  failedTasks: number;
  /** The first failures by symbol (at most 50). */
  failures: { symbol: string; start: IsoDate; end: IsoDate; error: string }[];
}

/** One asset and date chunk of a job: the unit of work one queue message carries. */
export interface JobTask {
  id: number;
  jobId: number;
  assetId: number;
  rangeStart: IsoDate;
  rangeEnd: IsoDate;
  status: TaskStatus;
  attempts: number;
  rowsUpserted: number;
  warnings: string[];
  error: string | null;
  notBefore: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export type TaskOutcome =
  | { status: 'success'; rowsUpserted: number; warnings?: string[] }
  | { status: 'failed'; error: string; rowsUpserted: number; warnings?: string[] };

/** Share of the job's tasks that have ended, 0-100 (the seeds' progress_pct). */
export function progressPct(job: Pick<JobRun, 'tasksTotal' | 'tasksSucceeded' | 'tasksFailed'>): number {
  if (job.tasksTotal === 0) return 100;
  return Math.round(((job.tasksSucceeded + job.tasksFailed) / job.tasksTotal) * 1000) / 10;
}
