import { createSql } from '#shared/db/client.ts';
import { getJob } from '#shared/db/jobs.ts';
import { startMarketServer } from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { sleep, withDeadline } from '#test/reliability/support/deadline.ts';
import { DRILL_ASSETS } from '#test/reliability/support/drill-assets.ts';
import { DRILL_SERVER, drillRuntime } from '#test/reliability/support/drill-runtime.ts';
import { jobLedger, rowLedger } from '#test/reliability/support/ledger.ts';
import { useAssets } from '#test/usecases/support/harness.ts';
import { BACKFILL_RANGE, type BackfillReport, DRILL_APP } from './reconnect-protocol.ts';

/**
 * The CLI's side of the reconnect drill, in a child process like the bulk-upsert worker: a multi-year
 * backfill of the fault matrix's assets drained by the local runtime against the market server, over
 * TLS. It says when the first task has ended (bulk writes are under way), waits for the parent to cut
 * the connections, lets the drain finish (redeliveries recover the writes that failed), and reports the
 * jobs and rows as a pool of its own finds them.
 */
const DRAIN_DEADLINE_MS = 90_000;
/**
 * Upbit's budget of 8 requests a second defers a ten-year task again and again, and every deferral
 * costs a receive (issue 9, defect 8), so its tasks dead-letter with or without a cut: left out here,
 * where the subject is the database connection.
 */
const ASSETS = DRILL_ASSETS.filter((a) => a.provider !== 'upbit');
const url = process.env.DRILL_DATABASE_URL as string;

async function main(): Promise<BackfillReport> {
  const server = await startMarketServer({
    ...DRILL_SERVER,
    seed: 109,
    faults: { latencyMs: { min: 20, max: 200 } },
  });
  const sql = createSql(url, { max: 8, applicationName: DRILL_APP });
  try {
    await useAssets(sql, ASSETS);
    const { runtime } = drillRuntime({ sql, server, visibilityTimeoutSeconds: 240, maxReceiveCount: 10 });
    const { jobId } = await planBackfill(runtime.deps, BACKFILL_RANGE);
    const cut = new Promise<void>((resolve) => process.once('message', () => resolve()));
    const draining = runtime.drain();
    while ((await getJob(sql, jobId as number).then((j) => j.tasksSucceeded + j.tasksFailed)) === 0)
      await sleep(10);
    process.send?.({ type: 'working' });
    await cut;
    const drained = (await withDeadline(draining, DRAIN_DEADLINE_MS)) !== undefined;
    const inspector = createSql(url, { max: 2, applicationName: 'driver-reconnect-inspector' });
    try {
      const jobs = await jobLedger(inspector, [jobId as number]);
      return {
        drained,
        stuck: jobs.stuck,
        miscounted: jobs.miscounted.length,
        failedTasks: jobs.failedTasks.map((t) => `${t.symbol}: ${t.error}`),
        rows: await rowLedger(inspector, server, [jobId as number]),
      };
    } finally {
      await inspector.end();
    }
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
  }
}

main()
  .then((report) => process.send?.({ type: 'report', report }))
  .catch((error) => process.send?.({ type: 'report', failed: String(error) }))
  .finally(() => process.disconnect?.());
