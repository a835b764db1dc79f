import { createSql, type Sql } from '#shared/db/client.ts';
import { getJob } from '#shared/db/jobs.ts';
import { startMarketServer } from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { createTestDatabase } from '#test/support/database.ts';
import { useAssets } from '#test/usecases/support/harness.ts';
import { sleep, withDeadline } from './deadline.ts';
import { alertLedger, startDiscordStandIn } from './discord-stand-in.ts';
import { DRILL_ASSETS, VANISHED } from './drill-assets.ts';
import { DRILL_SERVER, drillRuntime } from './drill-runtime.ts';
import { DRILL_RANGE, type DrillOutcome, type FaultScenario } from './fault-scenario.ts';
import { jobLedger, rowLedger } from './ledger.ts';
import type { PrivateCluster } from './private-cluster.ts';
import { reportDrill } from './report.ts';

/** What the local runtime logs for a delivery whose processing threw (it is left to reappear). */
const REDELIVERY = 'ingest: message failed (error)';
/**
 * Far longer than any scenario needs (2-7 s, a database restart included); a drain still running then is
 * stuck, and the drill says so. Within the scenario's 120 s hook.
 */
const DRAIN_DEADLINE_MS = 60_000;

/**
 * Runs one scenario end to end: a seeded market server with the scenario's faults, a fresh database
 * (on `cluster` when the scenario has an outage), a Discord stand-in, a backfill of DRILL_ASSETS over
 * DRILL_RANGE drained by the local runtime; then takes stock and prints the summary line.
 */
export async function runFaultDrill(
  scenario: FaultScenario,
  cluster?: PrivateCluster,
): Promise<DrillOutcome> {
  const started = Date.now();
  const server = await startMarketServer({
    ...DRILL_SERVER,
    seed: scenario.seed,
    faults: scenario.faults,
    missingSymbols: scenario.vanished ? [VANISHED.providerSymbol] : [],
  });
  const db = scenario.outage ? await requireCluster(cluster).createDatabase() : await createTestDatabase();
  const discord = await startDiscordStandIn(scenario.discord ?? 'up');
  try {
    await useAssets(db.sql, scenario.vanished ? [...DRILL_ASSETS, VANISHED] : DRILL_ASSETS);
    const { runtime, log } = drillRuntime({
      sql: db.sql,
      server,
      discordWebhookUrl: discord.url,
      ...scenario.runtime,
    });
    const { jobId } = await planBackfill(runtime.deps, DRILL_RANGE);
    // One task's row held by a session of its own, so that the outage always cuts a statement in
    // flight: that task's start waits on the lock. Without it, a batch's tasks share one write and may
    // all have ended or all be fetching (no statement running) when the database goes down.
    const holder = scenario.outage ? await holdLastTask(db.sql, jobId as number) : undefined;
    const draining = runtime.drain();
    if (scenario.outage) {
      await firstTaskEnded(db.sql, jobId as number);
      await aStatementWaitsOnALock(db.sql);
      await requireCluster(cluster).outage(scenario.outage.downMs); // ends the holder's session too
      holder?.release();
    }
    const drain = await withDeadline(draining, DRAIN_DEADLINE_MS);
    // A drain that never ends may have left the runtime's pool unusable: take stock on a pool of our own.
    const inspector = createSql(db.url, { max: 2 });
    const jobs = await jobLedger(inspector, [jobId as number]);
    const outcome: DrillOutcome = {
      rows: await rowLedger(inspector, server, [jobId as number]),
      jobs,
      alerts: alertLedger(jobs.jobs, discord, log),
      faults: server.stats().faults,
      drain,
      redeliveries: log.entries.filter((e) => e.message === REDELIVERY).length,
      requeued: drain?.retried ?? 0,
    };
    await inspector.end();
    reportDrill({
      suite: 'fault-matrix',
      scenario: scenario.name,
      seed: scenario.seed,
      rows: outcome.rows,
      jobsStuck: jobs.stuck,
      failedTasks: jobs.failedTasks,
      alerts: outcome.alerts,
      requeued: outcome.requeued,
      redeliveries: outcome.redeliveries,
      drained: drain !== undefined,
      durationMs: Date.now() - started,
    });
    return outcome;
  } finally {
    await discord.stop();
    await db.drop();
    await server.stop();
  }
}

function requireCluster(cluster: PrivateCluster | undefined): PrivateCluster {
  if (!cluster) throw new Error('a scenario with a database outage needs the private cluster');
  return cluster;
}

async function holdLastTask(sql: Sql, jobId: number): ReturnType<Sql['reserve']> {
  const holder = await sql.reserve();
  await holder`BEGIN`;
  await holder`SELECT id FROM job_tasks WHERE job_id = ${jobId} ORDER BY id DESC LIMIT 1 FOR UPDATE`;
  return holder;
}

/** Until a statement of the drill's database waits on a lock; throws, saying so, after 10 s. */
async function aStatementWaitsOnALock(sql: Sql): Promise<void> {
  const waited = withDeadline(
    (async () => {
      for (;;) {
        const [row] = await sql<{ waiting: number }[]>`
          SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        if ((row?.waiting ?? 0) > 0) return true;
        await sleep(10);
      }
    })(),
    10_000,
  );
  if (!(await waited)) throw new Error('fault drill: no statement waited on the held task row within 10 s');
}

async function firstTaskEnded(sql: Sql, jobId: number): Promise<void> {
  for (;;) {
    const job = await getJob(sql, jobId);
    if (job.tasksSucceeded + job.tasksFailed > 0) return;
    await sleep(10);
  }
}
