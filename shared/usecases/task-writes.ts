import type { Asset } from '#shared/db/assets.ts';
import { inTransaction, type Sql } from '#shared/db/client.ts';
import { endTask } from '#shared/db/jobs.ts';
import { noteAnswered } from '#shared/db/listing.ts';
import { insertNewBars } from '#shared/db/prices.ts';
import { clearResolvedFlags, type QualityFlag, recordQualityFlags } from '#shared/db/quality-flags.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { Log } from '#shared/domain/ports.ts';
import type { Rebase } from '#shared/validation/detect-rebase.ts';
import { storeBars } from './rebase.ts';

/** What a successful ingest stores, in one transaction: its task's end, its bars, flags and listing. */
export interface TaskWrite {
  asset: Asset;
  task: JobTask;
  bars: readonly DailyBar[];
  rebase: Rebase | null;
  /** The task found no stored bar of its provider in its range as it started (see UpsertOptions). */
  noneStoredBefore: boolean;
  warnings: string[];
  flags: readonly QualityFlag[];
  /** What the provider told of the listing, when that changes what is stored (noteAnswered). */
  listing?: Parameters<typeof noteAnswered>[2];
}

export interface WriteResult {
  /** Stored bars whose values changed: revised or restated. */
  revised: number;
  /**
   * Whether this write's task settles its job after the commit (announceJob). Of the writes of one job
   * committed together, one does, for all: a settle sees every task the commit ended.
   */
  settlesJob: boolean;
}

/** Another delivery of the task's message ended it meanwhile: its outcome stands, nothing was stored. */
export class TaskAlreadyEndedError extends Error {
  override name = 'TaskAlreadyEndedError';
}

/** Where an ingest's write goes: its own transaction, or one its batch shares (WriteGroup). */
export interface TaskWriter {
  /**
   * Stores `write`; resolves once it has committed.
   * @throws TaskAlreadyEndedError when the task had ended already (nothing of the write is stored).
   */
  write(deps: { sql: Sql; log: Log }, write: TaskWrite): Promise<WriteResult>;
  /**
   * This task will not write (it ends otherwise, or not at all this delivery): whoever shares the
   * write stops waiting for it. Call it before anything slow, such as announcing a job; a no-op after
   * a write or a first leave.
   */
  leave(): void;
}

/** Every write in a transaction of its own. */
export const writeAlone: TaskWriter = {
  write: async ({ sql }, write) => (await writeTogether(sql, [write]))[0] as WriteResult,
  leave: () => undefined,
};

/**
 * The writes in one transaction (one commit however many tasks): every task's end, listing note and
 * flags sent together (postgres.js pipelines a transaction's queries; ending a task locks its own row
 * only), then the bars in one pass in asset order: each run of consecutive writes that found their
 * range empty in one COPY (insertNewBars; merged one by one if a bar was stored since), every other
 * write merged alone. One pass in one order: the bookkeeping rows the bars lock (asset_coverage,
 * asset_month_bars) are taken in asset order by every transaction, so concurrent groups cannot
 * deadlock on them. The first step goes out with the ends.
 * @throws TaskAlreadyEndedError when a task had ended already (rolled back: nothing is stored).
 */
async function writeTogether(sql: Sql, writes: readonly TaskWrite[]): Promise<WriteResult[]> {
  const ordered = [...writes].sort(
    (a, b) =>
      a.asset.id - b.asset.id || compareText(a.task.rangeStart, b.task.rangeStart) || a.task.id - b.task.id,
  );
  const steps = barSteps(ordered);
  const revised = new Map<TaskWrite, number>();
  return inTransaction(sql, async (tx) => {
    const [ended] = await Promise.all([
      Promise.all(ordered.map((w) => endWithFindings(tx, w))),
      steps[0] ? storeStep(tx, steps[0], revised) : undefined,
    ]);
    const already = ordered.filter((_, i) => !ended[i]).map((w) => w.task.id);
    if (already.length > 0)
      throw new TaskAlreadyEndedError(`task ${already.join(', ')} was ended by another delivery`);
    for (const step of steps.slice(1)) await storeStep(tx, step, revised);
    const settling = new Map(writes.map((w) => [w.task.jobId, w])); // the last write of each job
    return writes.map((w) => ({
      revised: revised.get(w) ?? 0,
      settlesJob: settling.get(w.task.jobId) === w,
    }));
  });
}

/** One step's bars: a run of fresh writes in one COPY (merged one by one if that fails), or one merge. */
async function storeStep(tx: Sql, step: TaskWrite[], revised: Map<TaskWrite, number>): Promise<void> {
  const newBars = isFresh(step[0] as TaskWrite) ? step.flatMap((w) => w.bars) : undefined;
  if (newBars && (await insertNewBars(tx, newBars))) return;
  for (const write of step) {
    const { asset, task, bars, rebase } = write;
    const stored = await storeBars(tx, { asset, task, bars, rebase });
    revised.set(write, stored.updated + stored.restated);
  }
}

const isFresh = (w: TaskWrite) => w.noneStoredBefore && w.rebase === null && w.bars.length > 0;
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The writes in order, cut into runs of fresh writes (one COPY each) and single other writes. */
function barSteps(ordered: readonly TaskWrite[]): TaskWrite[][] {
  const steps: TaskWrite[][] = [];
  for (const write of ordered) {
    const last = steps.at(-1);
    if (last && isFresh(write) && isFresh(last[0] as TaskWrite)) last.push(write);
    else steps.push([write]);
  }
  return steps;
}

/** The statements of a write other than its bars'. @returns false when the task had already ended. */
async function endWithFindings(tx: Sql, write: TaskWrite): Promise<boolean> {
  const { task, asset, bars } = write;
  const [ended] = await Promise.all([
    endTask(tx, task.id, { status: 'success', rowsUpserted: bars.length, warnings: write.warnings }),
    write.listing ? noteAnswered(tx, asset.id, write.listing) : undefined,
    clearResolvedFlags(
      tx,
      asset.id,
      bars.map((b) => b.sessionDate),
    ),
    recordQualityFlags(tx, write.flags),
  ]);
  return ended !== undefined;
}

/** How long a member's write waits for the rest of its batch before the writes so far go on their own. */
export const GROUP_WAIT_MS = 2_000;

interface Queued {
  deps: { sql: Sql; log: Log };
  write: TaskWrite;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

/**
 * The writes of one received batch of messages (up to 10, worked concurrently by the ingest
 * function's batch loop, sqs-consumer.ts, and by the local drain) share one transaction: one commit,
 * one COPY of the new bars and one round trip for every task's end and flags, instead of one of each
 * per task. Each member of the batch either writes once or leaves (TaskWriter.leave: it ends without
 * bars, is skipped, deferred, retried or threw; before announcing anything); the group commits once
 * every member has done one or the other, or GROUP_WAIT_MS after the first write, so a slow member (a
 * provider's back-off) holds the others for at most that long.
 * When the shared transaction fails (a task another delivery ended, a deadlock, a bad row), each write
 * is retried in its own transaction, so one write's failure is its own member's and nobody else's.
 */
export class WriteGroup {
  private waiting: number;
  private queued: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    size: number,
    private readonly waitMs = GROUP_WAIT_MS,
  ) {
    this.waiting = size;
  }

  /** One member's writer, and how it leaves without a write; each is a no-op after either. */
  member(): TaskWriter {
    let arrived = false;
    const arrive = () => {
      if (arrived) return false;
      arrived = true;
      this.waiting -= 1;
      return true;
    };
    return {
      write: (deps, write) => {
        // A member that left (its deadline passed) and writes after all: on its own.
        if (!arrive()) return writeAlone.write(deps, write);
        const written = new Promise<WriteResult>((resolve, reject) =>
          this.queued.push({ deps, write, resolve, reject }),
        );
        this.timer ??= setTimeout(() => this.flush(), this.waitMs);
        if (this.waiting <= 0) this.flush();
        return written;
      },
      leave: () => {
        if (arrive() && this.waiting <= 0) this.flush();
      },
    };
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const queued = this.queued;
    this.queued = [];
    // commitTogether settles every member; should it throw (its log line), they fail with that.
    if (queued.length > 0)
      void commitTogether(queued).catch((error: unknown) => {
        for (const q of queued) q.reject(error);
      });
  }
}

/** Each member's promise settles with its own write's result or error. */
async function commitTogether(queued: Queued[]): Promise<void> {
  // The members of a batch share their deps: the batch's pool and log.
  const { deps } = queued[0] as Queued;
  if (queued.length > 1) {
    try {
      const results = await writeTogether(
        deps.sql,
        queued.map((q) => q.write),
      );
      for (const [i, q] of queued.entries()) q.resolve(results[i] as WriteResult);
      return;
    } catch (error) {
      deps.log.info('batch write retried task by task', {
        tasks: queued.length,
        reason: (error as Error).message,
      });
    }
  }
  await Promise.all(queued.map((q) => writeAlone.write(q.deps, q.write).then(q.resolve, q.reject)));
}
