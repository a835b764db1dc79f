import type { Sql } from '#shared/db/client.ts';
import { getJob } from '#shared/db/jobs.ts';
import type { DrainStats, LocalRuntime } from '#shared/local/runtime.ts';
import type { MarketServer, MarketServerStats } from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { round, seconds } from '#test/bench/harness.ts';
import type { PeakSampler } from './peak-sampler.ts';
import type { SoakOptions } from './soak-options.ts';
import type { PhaseName, PhaseReport } from './soak-report.ts';

export interface SoakContext {
  sql: Sql;
  runtime: LocalRuntime;
  server: MarketServer;
  options: SoakOptions;
  rss: PeakSampler;
  connections: PeakSampler;
}

const MB = 1024 * 1024;

/**
 * One phase of the soak.
 * 1. `plan` records and enqueues the phase's jobs; the queue is drained by `workers` workers.
 * 2. While a job of the round has failed tasks, plan `retryFailedOf` for each and drain again, at most
 *    `maxRetryRounds` times.
 * 3. Report wall time, throughput over every job of the phase, requests and faults met, peaks.
 */
export async function runPhase(
  ctx: SoakContext,
  name: PhaseName,
  plan: () => Promise<number[]>,
): Promise<PhaseReport> {
  const statsBefore = ctx.server.stats();
  ctx.rss.takePeak();
  ctx.connections.takePeak();
  const drain = { retried: 0, deadLettered: 0, poisoned: 0 };
  const jobIds: number[] = [];
  let retryRounds = 0;
  let failedAfterRetries = 0;
  const elapsed = await seconds(async () => {
    let roundIds = await plan();
    for (;;) {
      jobIds.push(...roundIds);
      addDrain(drain, await ctx.runtime.drain(ctx.options.workers));
      const failing = (await Promise.all(roundIds.map((id) => getJob(ctx.sql, id)))).filter(
        (job) => job.tasksFailed > 0,
      );
      failedAfterRetries = failing.reduce((n, job) => n + job.tasksFailed, 0);
      if (failing.length === 0 || retryRounds >= ctx.options.maxRetryRounds) break;
      retryRounds += 1;
      roundIds = [];
      for (const job of failing) {
        const retry = await planBackfill(ctx.runtime.deps, { retryFailedOf: job.id });
        if (retry.jobId !== null) roundIds.push(retry.jobId);
      }
    }
  });
  const jobs = await Promise.all(jobIds.map((id) => getJob(ctx.sql, id)));
  const tasks = jobs.reduce((n, job) => n + job.tasksSucceeded + job.tasksFailed, 0);
  const rowsUpserted = jobs.reduce((n, job) => n + job.rowsUpserted, 0);
  const served = statsSince(statsBefore, ctx.server.stats());
  return {
    name,
    seconds: round(elapsed, 1),
    jobs: jobs.length,
    retryRounds,
    tasks,
    rowsUpserted,
    rowsPerSecond: Math.round(rowsUpserted / elapsed),
    tasksPerSecond: Math.round(tasks / elapsed),
    failedAfterRetries,
    drain,
    ...served,
    peakRssMb: Math.round(ctx.rss.takePeak() / MB),
    peakConnections: ctx.connections.takePeak(),
  };
}

function addDrain(total: PhaseReport['drain'], stats: DrainStats): void {
  total.retried += stats.retried;
  total.deadLettered += stats.deadLettered;
  total.poisoned += stats.poisoned.length;
}

/** Requests, injected faults and 429s beyond the injected ones, between two server snapshots. */
function statsSince(before: MarketServerStats, after: MarketServerStats) {
  const faults: PhaseReport['faults'] = {};
  for (const [kind, count] of Object.entries(after.faults) as [keyof PhaseReport['faults'], number][]) {
    const delta = count - (before.faults[kind] ?? 0);
    if (delta > 0) faults[kind] = delta;
  }
  const tooMany = (stats: MarketServerStats) =>
    Object.values(stats.byRoute).reduce((n, statuses) => n + (statuses?.['429'] ?? 0), 0);
  return {
    requests: after.total - before.total,
    faults,
    overLimit429: tooMany(after) - tooMany(before) - (faults.rate429 ?? 0),
  };
}
