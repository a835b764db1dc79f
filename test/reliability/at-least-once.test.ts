import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDomainEvents } from '#shared/db/domain-events.ts';
import { getJob, getTask, listTasks } from '#shared/db/jobs.ts';
import type { MetricName } from '#shared/domain/ports.ts';
import type { DrainStats, LocalRuntime } from '#shared/local/runtime.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import type { TaskMessage } from '#shared/queue/task-queue.ts';
import type { PipelineDeps } from '#shared/usecases/deps.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { pricesChecksum } from '#test/support/fixtures.ts';
import type { RecordingLog } from '#test/support/recording-log.ts';
import { useAssets } from '#test/usecases/support/harness.ts';
import { DuplicatingQueue, inSeededShare, overtakenProvider } from './support/at-least-once.ts';
import { withDeadline } from './support/deadline.ts';
import { DRILL_ASSETS } from './support/drill-assets.ts';
import { DRILL_SERVER, type DrillRuntimeOptions, drillRuntime } from './support/drill-runtime.ts';
import { jobLedger, priceValuesChecksum, rowLedger, rowsRewrittenAfterTheirTask } from './support/ledger.ts';
import { reportDrill } from './support/report.ts';

const SEED = 201;
/**
 * 21 months: about 440 sessions per stock (one `unnest` statement) and 640 days of bitcoin (COPY, whose
 * straight-into-the-table path two racing deliveries both try), one task per asset.
 */
const RANGE = { start: '2023-06-01', end: '2025-02-28' } as const;

let server: MarketServer;
const databases: TestDatabase[] = [];
/** Prices of the same backfill with every message delivered once: what every drill must end with. */
let clean: { rows: number; checksum: string };

interface Drill {
  db: TestDatabase;
  runtime: LocalRuntime;
  log: RecordingLog;
  jobId: number;
  /** Undefined when the queue was not empty by the deadline: a delivery is stuck. */
  drain: DrainStats | undefined;
}

const STUCK = 'the drain did not finish by its deadline: a delivery is stuck';
/** Far longer than a drill needs (1-4 s): a drain still running then is stuck. Within the hook's 60 s. */
const DRAIN_DEADLINE_MS = 45_000;
/**
 * Tasks in flight for a drill whose messages must come back only after their work: up to 10 is one
 * worker, which holds its batch to the end. With a second worker idle, a batch that outlasts the
 * visibility timeout (seconds of wall time on the fast clock) would be received again meanwhile.
 */
const ONE_WORKER = 10;

interface DrillSetup {
  /** The dependencies to plan the backfill with (e.g. another queue to send through). */
  planWith?: (deps: PipelineDeps) => PipelineDeps;
  /** Changes to the runtime before it drains. */
  beforeDrain?: (runtime: LocalRuntime) => void;
  /** Tasks in flight (LocalRuntime.drain); its default otherwise. */
  inFlight?: number;
}

/** A fresh database holding DRILL_ASSETS, a runtime on it, and the backfill of RANGE planned and drained. */
async function drill(options: Partial<DrillRuntimeOptions> = {}, setup: DrillSetup = {}): Promise<Drill> {
  const db = await createTestDatabase();
  databases.push(db);
  await useAssets(db.sql, DRILL_ASSETS);
  const { runtime, log } = drillRuntime({ sql: db.sql, server, ...options });
  const { jobId } = await planBackfill(setup.planWith?.(runtime.deps) ?? runtime.deps, RANGE);
  setup.beforeDrain?.(runtime);
  const drain = await withDeadline(runtime.drain(setup.inFlight), DRAIN_DEADLINE_MS);
  return { db, runtime, log, jobId: jobId as number, drain };
}

async function report(scenario: string, run: Drill, started: number): Promise<void> {
  const jobs = await jobLedger(run.db.sql, [run.jobId]);
  reportDrill({
    suite: 'at-least-once',
    scenario,
    seed: SEED,
    rows: await rowLedger(run.db.sql, server, [run.jobId]),
    jobsStuck: jobs.stuck,
    failedTasks: jobs.failedTasks,
    alerts: { expected: 0, delivered: 0, undeliverable: 0, posts: 0 },
    requeued: run.drain?.retried ?? 0,
    // Deliveries beyond one per task, other than requeues: every delivery either ended processed
    // (deleted, or its delete lost) or threw (left to reappear).
    redeliveries: run.drain ? run.drain.processed + thrown(run) - DRILL_ASSETS.length : thrown(run),
    drained: run.drain !== undefined,
    durationMs: Date.now() - started,
  });
}

function thrown(run: Drill): number {
  return run.log.entries.filter((e) => e.message === 'ingest: message failed (error)').length;
}

async function jobFinishedEvents(run: Drill): Promise<number> {
  return (await listDomainEvents(run.db.sql, 'JobFinished')).length;
}

beforeAll(async () => {
  server = await startMarketServer({ ...DRILL_SERVER, seed: SEED });
  const once = await drill();
  clean = await priceValuesChecksum(once.db.sql);
});
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
  await server.stop();
});

// Proves that a standard queue's duplicates change nothing: the two copies of each message race
// through fetch and write (COPY and unnest paths both), yet the table equals the clean run's value by
// value, each task is counted once, no row is rewritten after its task ended (ingested_at included),
// the job is announced once, and a very late third copy changes nothing at all.
describe(`a backfill whose every message is delivered twice (seed ${SEED})`, () => {
  let run: Drill;
  beforeAll(async () => {
    const started = Date.now();
    run = await drill(
      // Nothing needs to reappear here: a visibility timeout past the drain's deadline (18 s of wall time)
      { visibilityTimeoutSeconds: 3_600 },
      { planWith: (deps) => ({ ...deps, queue: new DuplicatingQueue(deps.queue) }) },
    );
    await report('every message delivered twice', run, started);
  });

  it('works both copies of every message to the end, some of them racing each other', async () => {
    const tasks = await listTasks(run.db.sql, run.jobId);
    expect(run.drain, STUCK).toBeDefined();
    expect(run.drain?.processed).toBe(2 * tasks.length);
    // Both copies started the task: they raced through fetch and write, not one after the other.
    expect(tasks.filter((t) => t.attempts === 2).length).toBeGreaterThan(0);
  });

  it('stores the same prices as a run that delivered every message once', async () => {
    expect(await priceValuesChecksum(run.db.sql)).toEqual(clean);
    expect(await rowLedger(run.db.sql, server, [run.jobId])).toMatchObject({ lost: 0, unexpected: 0 });
  });

  it('counts every task once: the job ends with exact counters', async () => {
    const ledger = await jobLedger(run.db.sql, [run.jobId]);
    expect(ledger).toMatchObject({ stuck: 0, miscounted: [], failedTasks: [] });
    expect(ledger.jobs[0]).toMatchObject({
      status: 'success',
      tasksTotal: DRILL_ASSETS.length,
      tasksSucceeded: DRILL_ASSETS.length,
      rowsUpserted: clean.rows,
    });
  });

  it('leaves every row as the write that ended its task stored it (ingested_at never moved)', async () => {
    expect(await rowsRewrittenAfterTheirTask(run.db.sql)).toBe(0);
  });

  it('announces the job once', async () => {
    expect(await jobFinishedEvents(run)).toBe(1);
  });

  it('changes nothing, ingested_at included, when every message arrives once more after the job ended', async () => {
    const before = await pricesChecksum(run.db.sql);
    const job = await getJob(run.db.sql, run.jobId);
    const tasks = await listTasks(run.db.sql, run.jobId);
    await run.runtime.queue.sendBatch(
      tasks.map((t) => ({ id: String(t.id), body: { taskId: t.id, jobId: run.jobId }, delaySeconds: 0 })),
    );
    const late = await run.runtime.drain();
    expect(late.processed).toBe(tasks.length);
    expect(await pricesChecksum(run.db.sql)).toEqual(before);
    expect(await getJob(run.db.sql, run.jobId)).toEqual(job);
  });
});

// Proves that a crash between the commit and the acknowledgement (the delete) is harmless: the message
// comes back after its visibility timeout, finds its task ended and is dropped, changing nothing.
describe(`a backfill whose acknowledgements are lost after the work committed (seed ${SEED})`, () => {
  /** Half the tasks, picked by the seed: their first delivery commits, then its delete is lost. */
  const lostAck = (taskId: number) => inSeededShare(SEED, taskId, 0.5);
  let run: Drill;
  beforeAll(async () => {
    const started = Date.now();
    run = await drill(
      {
        visibilityTimeoutSeconds: 600, // 3 s of wall time
        dropsDelete: (m) => m.receiveCount === 1 && lostAck((JSON.parse(m.body) as TaskMessage).taskId),
      },
      { inFlight: ONE_WORKER },
    );
    await report('acknowledgement lost after commit', run, started);
  });

  it('delivers each unacknowledged message again after its visibility timeout, and skips its task', async () => {
    const tasks = await listTasks(run.db.sql, run.jobId);
    const lost = tasks.filter((t) => lostAck(t.id)).length;
    expect(lost).toBeGreaterThan(0);
    expect(run.drain, STUCK).toBeDefined();
    expect(run.drain?.processed).toBe(tasks.length + lost);
    expect(tasks.map((t) => t.attempts)).toEqual(tasks.map(() => 1));
  });

  it('stores the same prices as a run whose acknowledgements all arrived', async () => {
    expect(await priceValuesChecksum(run.db.sql)).toEqual(clean);
    expect(await rowsRewrittenAfterTheirTask(run.db.sql)).toBe(0);
  });

  it('counts every task once and announces the job once', async () => {
    expect(await jobLedger(run.db.sql, [run.jobId])).toMatchObject({ stuck: 0, miscounted: [] });
    expect(await getJob(run.db.sql, run.jobId)).toMatchObject({
      status: 'success',
      rowsUpserted: clean.rows,
    });
    expect(await jobFinishedEvents(run)).toBe(1);
  });
});

/**
 * Every delivery that commits a task's bars fails at the first statement after its commit (counting the
 * rows): a worker that dies there, with its work committed and its message unacknowledged.
 */
function crashAfterEveryCommit(runtime: LocalRuntime): void {
  const { metrics } = runtime.deps;
  runtime.deps.metrics = {
    add(name: MetricName, value: number, dimensions?: Record<string, string>) {
      if (name === 'RowsIngested') throw new Error('worker crashed right after its commit (drill)');
      metrics.add(name, value, dimensions);
    },
  };
}

// Proves that a crash right after the commit, before the job's JobFinished event and alert went out,
// loses neither: the redelivery that finds the task ended announces the unannounced job, once.
describe(`a backfill whose workers crash right after each commit, before anything else (seed ${SEED})`, () => {
  let run: Drill;
  beforeAll(async () => {
    const started = Date.now();
    run = await drill(
      { visibilityTimeoutSeconds: 600 },
      { beforeDrain: crashAfterEveryCommit, inFlight: ONE_WORKER },
    );
    await report('worker crash after commit', run, started);
  });

  it('delivers each message again after its visibility timeout, and skips its task', async () => {
    expect(run.drain, STUCK).toBeDefined();
    expect(thrown(run)).toBe(DRILL_ASSETS.length);
    expect(run.drain?.processed).toBe(DRILL_ASSETS.length);
  });

  it('stores the same prices and counts every task once', async () => {
    expect(await priceValuesChecksum(run.db.sql)).toEqual(clean);
    expect(await jobLedger(run.db.sql, [run.jobId])).toMatchObject({ stuck: 0, miscounted: [] });
  });

  it('still announces the job once, although the delivery that ended it crashed before announcing', async () => {
    expect(await jobFinishedEvents(run)).toBe(1);
  });
});

// Proves that when two copies race and the one that succeeds loses the race to end the task, its
// bars are rolled back: a task that ended failed has no bars stored under it.
describe(`two deliveries of one task where the slow one succeeds after the fast one failed it (seed ${SEED})`, () => {
  let db: TestDatabase;
  let taskId: number;
  beforeAll(async () => {
    const run = await drillOne();
    db = run.db;
    taskId = run.taskId;
  });

  /** One task for AAPL, then two concurrent ingests of its message (two Lambdas given the same message). */
  async function drillOne(): Promise<{ db: TestDatabase; taskId: number }> {
    const fresh = await createTestDatabase();
    databases.push(fresh);
    await useAssets(fresh.sql, DRILL_ASSETS);
    const { runtime } = drillRuntime({ sql: fresh.sql, server });
    const { jobId } = await planBackfill(runtime.deps, { ...RANGE, assets: ['AAPL'] });
    const [task] = await listTasks(fresh.sql, jobId as number);
    const id = task?.id ?? 0;
    const ended = async () => {
      const deadline = Date.now() + 60_000; // a hang guard only: the fast delivery normally ends it in ms
      while ((await getTask(fresh.sql, id)).status === 'running' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
    };
    const deps = {
      ...runtime.deps,
      providers: { ...runtime.deps.providers, yahoo: overtakenProvider(runtime.deps.providers.yahoo, ended) },
    };
    const message = { taskId: id, jobId: jobId as number };
    await Promise.all([ingestTask(deps, message, 1), ingestTask(deps, message, 2)]);
    return { db: fresh, taskId: id };
  }

  it('ends the task once, as the first delivery to finish left it', async () => {
    expect(await getTask(db.sql, taskId)).toMatchObject({ status: 'failed', attempts: 2, rowsUpserted: 0 });
  });

  it('stores no bar for the task that ended failed', async () => {
    const [stored] = await db.sql<{ rows: number }[]>`SELECT count(*)::int AS rows FROM prices_daily`;
    expect(stored?.rows).toBe(0);
  });
});
