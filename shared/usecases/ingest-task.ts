import { getCalendar } from '#shared/calendars/index.ts';
import type { Sql } from '#shared/db/client.ts';
import { endTask, noteTaskRetry } from '#shared/db/jobs.ts';
import { noteAnswered } from '#shared/db/listing.ts';
import type { QualityFlag } from '#shared/db/quality-flags.ts';
import { startIngest } from '#shared/db/task-start.ts';
import { asDailyBars } from '#shared/domain/daily-bar.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { FetchOutcome } from '#shared/providers/index.ts';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import { validateBars } from '#shared/validation/validate-bars.ts';
import { onStoredBasis } from './as-traded.ts';
import type { PipelineDeps } from './deps.ts';
import { emptyAnswerFailure } from './empty-answer.ts';
import { announceJob } from './finish-job.ts';
import { closedDayFlags, listedSessions, listingAfterAnswer, noteSuspectedDelisting } from './listing.ts';
import { decideRateLimitWait } from './rate-limit-wait.ts';
import { checkRebase, withoutRebaseArtifacts } from './rebase.ts';
import { withTaskDeadline } from './task-deadline.ts';
import { taskOfMessage } from './task-of-message.ts';
import {
  TaskAlreadyEndedError,
  type TaskWrite,
  type TaskWriter,
  type WriteResult,
  writeAlone,
} from './task-writes.ts';

export type IngestResult =
  | { kind: 'done'; taskId: number; status: 'success' | 'failed'; rows: number }
  | { kind: 'skipped'; taskId: number; reason: string }
  /** Wait `delaySeconds` without using up an attempt: not yet due, or waiting out a rate limit. */
  | { kind: 'defer'; taskId: number; delaySeconds: number; reason: string }
  /** A transient failure: the same message again in `delaySeconds`, counted as an attempt. */
  | { kind: 'retry'; taskId: number; delaySeconds: number; reason: string };

/** Early arrivals within this margin wait in-process instead of going back to the queue. */
const WAIT_IN_PROCESS_MS = 1_000;
const RETRY_BASE_SECONDS = 30;
const MAX_RETRY_SECONDS = 900;
const CONSUMER = 'ingest';

/**
 * Ingest one task.
 * 1. Too early (a stagger slot beyond the queue's delay)? Defer it until its not-before time.
 * 2. Mark the task running if it is the message's job's, reading its asset and stored history in the
 *    same statement; a task that already ended (a redelivered message) is skipped.
 * 3. Fetch its range, clipped to the last session the calendar says is complete; turn it as traded
 *    (every later split un-applied, see as-traded.ts).
 * 4. Rate-limited: defer, waiting it out within the rate-limit budget (see rate-limit-wait.ts).
 *    Transient failure, or no bars for sessions the calendar has: retry with backoff (recorded on the
 *    task), until the attempts run out. Not found or invalid data: the task fails with the reason.
 * 5. Validate, then in one transaction: end the task, upsert the accepted bars, record quality flags
 *    (task-writes.ts; `writer` may share the transaction with the other tasks of the message's batch).
 * 6. After the commit, settle the job: if that was its last task, it ends; events, alerts (announceJob).
 *    Of the tasks of one job that committed together, one settles it for all.
 * @throws PoisonMessageError when the task does not exist or is another job's (nothing is written).
 */
async function ingestTaskNow(
  deps: PipelineDeps,
  message: TaskMessage,
  receiveCount: number,
  writer: TaskWriter = writeAlone,
): Promise<IngestResult> {
  const { taskId } = message;
  const waitMs = message.notBefore ? Date.parse(message.notBefore) - deps.now().getTime() : 0;
  if (waitMs > WAIT_IN_PROCESS_MS) {
    return { kind: 'defer', taskId, delaySeconds: Math.ceil(waitMs / 1000), reason: 'not before its slot' };
  }
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));

  const started = await startIngest(deps.sql, taskId, message.jobId);
  if (!started) {
    writer.leave(); // announcing (whyNotStarted) must not hold the batch's write
    return { kind: 'skipped', taskId, reason: await whyNotStarted(deps, message) };
  }
  const { task, asset } = started;
  const calendar = getCalendar(asset.calendar);
  const lastComplete = calendar.expectedLastSession(deps.now());
  const end = task.rangeEnd < lastComplete ? task.rangeEnd : lastComplete;
  if (end < task.rangeStart)
    return finish(deps, task, { status: 'success', rowsUpserted: 0, warnings: [] }, asset.provider, writer);

  const fetched = await deps.providers[asset.provider].fetchDailyBars({
    symbol: asset.providerSymbol,
    start: task.rangeStart,
    end,
    timezone: calendar.timezone,
  });
  const outcome = await onStoredBasis(deps, asset, fetched, started.actions); // as traded: later splits un-applied
  if (outcome.kind === 'not-found' && (await noteSuspectedDelisting(deps, asset, task, outcome.reason))) {
    const warnings = [`suspected delisted: ${outcome.reason}`];
    return finish(deps, task, { status: 'success', rowsUpserted: 0, warnings }, asset.provider, writer);
  }
  if (outcome.kind !== 'ok') return handleFailure(deps, task, outcome, receiveCount, asset.provider, writer);
  const told = { firstSession: outcome.firstSession, earliestBar: outcome.bars[0]?.sessionDate };
  const { listedOn, changed } = listingAfterAnswer(asset, told, started.firstStored);
  // Written with the bars, or alone when the task ends otherwise; not at all when nothing changes.
  const noteListing = async (sql: Sql) => (changed ? noteAnswered(sql, asset.id, told) : undefined);
  const context = `${asset.provider} ${asset.providerSymbol} ${task.rangeStart}..${end}`;
  const empty = emptyAnswerFailure(
    { bars: outcome.bars, context },
    calendar.sessionsBetween(task.rangeStart, end),
    listedOn ?? undefined,
  );
  if (empty) {
    await noteListing(deps.sql);
    return handleFailure(deps, task, empty, receiveCount, asset.provider, writer);
  }

  const report = validateBars({
    bars: outcome.bars,
    expectedSessions: listedSessions(calendar, { ...asset, listedOn }, task.rangeStart, end),
    previous: started.barBefore,
    splitDates: new Set(outcome.splits.map((s) => s.sessionDate)),
    isSession: (date) => calendar.isSession(date),
  });
  const flags: QualityFlag[] = [
    ...report.rejected.map((r) => flag(task, r.sessionDate, 'rejected_bar', r.reason, {})),
    ...report.largeMoves.map((m) =>
      flag(
        task,
        m.sessionDate,
        'large_move',
        `close moved ${(m.change * 100).toFixed(1)} % since ${m.previousSession}`,
        {
          ...m,
        },
      ),
    ),
    ...report.gaps.map((d) =>
      flag(task, d, 'gap', `no bar from ${asset.provider} for this ${asset.calendar} session`, {}),
    ),
    ...closedDayFlags(asset, task, report.closedDayBars),
  ];
  const warnings = describe(report, outcome.droppedNullBars);
  deps.metrics.add('BarsRejected', report.rejected.length, { Provider: asset.provider });
  deps.metrics.add('ClosedDayBars', report.closedDayBars.length, { Provider: asset.provider });
  const bars = asDailyBars(report.accepted, asset.id, asset.provider);
  const rebased = await checkRebase(deps, asset, task, bars, outcome.splits, started.storedCloses);
  if (rebased.retry) {
    await noteListing(deps.sql);
    return handleFailure(
      deps,
      task,
      { kind: 'failed', retryable: true, reason: rebased.retry },
      receiveCount,
      asset.provider,
      writer,
    );
  }
  const write: TaskWrite = {
    asset,
    task,
    bars,
    rebase: rebased.rebase,
    noneStoredBefore: started.storedCloses.length === 0,
    warnings,
    flags: withoutRebaseArtifacts(flags, rebased, bars),
    listing: changed ? told : undefined,
  };
  let written: WriteResult;
  try {
    written = await writer.write(deps, write);
  } catch (error) {
    if (!(error instanceof TaskAlreadyEndedError)) throw error;
    await announceJob(deps, task.jobId);
    return { kind: 'skipped', taskId, reason: 'task ended by another delivery' };
  }
  deps.metrics.add('RowsIngested', bars.length, { Provider: asset.provider });
  if (written.revised > 0) deps.metrics.add('BarsRevised', written.revised, { Provider: asset.provider });
  // After the commit (see settleJobs); once for the tasks of its job that committed with this one.
  if (written.settlesJob) await announceJob(deps, task.jobId);
  return { kind: 'done', taskId, status: 'success', rows: bars.length };
}

export const ingestTask = withTaskDeadline(ingestTaskNow); // a stuck step gives the message back

async function handleFailure(
  deps: PipelineDeps,
  task: JobTask,
  outcome: Exclude<FetchOutcome, { kind: 'ok' }>,
  receiveCount: number,
  provider: string,
  writer: TaskWriter,
): Promise<IngestResult> {
  writer.leave(); // this task writes no bars: its batch's write need not wait for it
  const reason = `${outcome.kind}: ${outcome.reason}`;
  if (outcome.kind === 'rate-limited') {
    deps.metrics.add('TasksRateLimited', 1, { Provider: provider });
    const decision = await decideRateLimitWait(deps, task, { retryAfterMs: outcome.retryAfterMs, reason });
    if (decision.wait) return { kind: 'defer', taskId: task.id, delaySeconds: decision.delaySeconds, reason };
    return finish(deps, task, { status: 'failed', error: decision.error, rowsUpserted: 0 }, provider, writer);
  }
  if (outcome.kind === 'failed' && outcome.retryable && receiveCount < deps.settings.maxAttempts) {
    await noteTaskRetry(deps.sql, task.id, reason);
    return { kind: 'retry', taskId: task.id, delaySeconds: backoff(receiveCount), reason };
  }
  const attempts =
    outcome.kind === 'failed' && outcome.retryable ? ` (gave up after ${receiveCount} attempts)` : '';
  return finish(
    deps,
    task,
    { status: 'failed', error: `${reason}${attempts}`, rowsUpserted: 0 },
    provider,
    writer,
  );
}

async function finish(
  deps: PipelineDeps,
  task: JobTask,
  outcome: Parameters<typeof endTask>[2],
  provider: string,
  writer: TaskWriter,
): Promise<IngestResult> {
  writer.leave(); // ends without bars, and its announcement must not hold the batch's write
  const ended = await endTask(deps.sql, task.id, outcome);
  if (outcome.status === 'failed') {
    deps.metrics.add('TasksFailed', 1, { Provider: provider });
    deps.log.warn('task failed', { taskId: task.id, jobId: task.jobId, error: outcome.error });
  }
  if (ended) await announceJob(deps, task.jobId);
  return { kind: 'done', taskId: task.id, status: outcome.status, rows: outcome.rowsUpserted };
}

/**
 * A message whose task did not start: normally a redelivery of a task that already ended. A task that
 * does not exist or is another job's throws PoisonMessageError: the message reaches the dead-letter
 * queue and is kept there.
 */
async function whyNotStarted(deps: PipelineDeps, message: TaskMessage): Promise<string> {
  const task = await taskOfMessage(deps.sql, message, CONSUMER);
  // If the delivery that ended the job died before announcing it, this one does.
  await announceJob(deps, task.jobId);
  return `task already ended (${task.status})`;
}

/** 30 s, 60 s, 120 s ... capped at the queue's 15 minutes, with jitter so retries spread out. */
function backoff(receiveCount: number): number {
  const base = RETRY_BASE_SECONDS * 2 ** Math.max(0, receiveCount - 1);
  return Math.min(MAX_RETRY_SECONDS, Math.ceil(base * (1 + Math.random() * 0.3)));
}

function flag(
  task: JobTask,
  sessionDate: string,
  kind: QualityFlag['kind'],
  reason: string,
  detail: object,
): QualityFlag {
  return {
    assetId: task.assetId,
    sessionDate,
    kind,
    reason,
    detail: detail as Record<string, unknown>,
    jobId: task.jobId,
  };
}

function describe(report: ReturnType<typeof validateBars>, droppedNullBars: number): string[] {
  const warnings: string[] = [];
  const list = (dates: string[]) =>
    `${dates.slice(0, 5).join(', ')}${dates.length > 5 ? ` and ${dates.length - 5} more` : ''}`;
  if (report.rejected.length)
    warnings.push(
      `${report.rejected.length} bars rejected: ${list(report.rejected.map((r) => r.sessionDate))}`,
    );
  if (report.gaps.length) warnings.push(`${report.gaps.length} sessions missing: ${list(report.gaps)}`);
  if (report.largeMoves.length)
    warnings.push(
      `${report.largeMoves.length} moves over 30 %: ${list(report.largeMoves.map((m) => m.sessionDate))}`,
    );
  if (droppedNullBars) warnings.push(`${droppedNullBars} all-null bars dropped`);
  if (report.closedDayBars.length)
    warnings.push(
      `${report.closedDayBars.length} bars on closed days not stored: ${list(report.closedDayBars.map((b) => b.sessionDate))}`,
    );
  return warnings;
}
