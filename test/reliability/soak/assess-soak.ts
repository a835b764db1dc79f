import { cpus, loadavg, totalmem } from 'node:os';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { round, seconds } from '#test/bench/harness.ts';
import { type Reconciliation, reconcileBars } from './reconcile.ts';
import type { SoakContext } from './run-phase.ts';
import { checkInvariants, type PhaseReport, type SoakReport } from './soak-report.ts';

export interface SoakRun {
  assets: readonly Asset[];
  phases: PhaseReport[];
  /** Every session either phase asked for. */
  range: { start: IsoDate; end: IsoDate };
  totalSeconds: number;
  /** The 1-minute load average when the run started. */
  loadBefore: number;
}

/**
 * After the phases: stored bars reconciled against the market server, unfinished jobs and tasks,
 * messages left in the queues, the peaks, the machine, and the verdict of every invariant.
 */
export async function assessSoak(
  ctx: SoakContext,
  run: SoakRun,
  log: (line: string) => void,
): Promise<SoakReport> {
  const { sql, runtime, options } = ctx;
  log('soak: reconciling stored bars against the market server');
  let reconciliation: Reconciliation | undefined;
  const reconcileSeconds = await seconds(async () => {
    reconciliation = await reconcileBars(sql, ctx.server, run.assets, run.range);
  });
  const unfinished = await unfinishedWork(sql);
  const report: Omit<SoakReport, 'invariants' | 'ok'> = {
    date: new Date().toISOString().slice(0, 10),
    machine: machine(run.loadBefore),
    options,
    phases: run.phases,
    totalSeconds: run.totalSeconds,
    peakRssMb: Math.max(...run.phases.map((p) => p.peakRssMb)),
    peakConnections: Math.max(...run.phases.map((p) => p.peakConnections)),
    connectionLimit: options.pool + 1,
    unfinishedJobs: unfinished.jobs,
    unfinishedTasks: unfinished.tasks,
    queuedMessages: runtime.queue.size + runtime.deadLetters.size,
    reconciliation: reconciliation as Reconciliation,
    reconcileSeconds: round(reconcileSeconds, 1),
  };
  const invariants = checkInvariants(report);
  return { ...report, invariants, ok: invariants.every((i) => i.ok) };
}

/** Jobs without a final status and tasks still pending or running. */
async function unfinishedWork(sql: Sql): Promise<{ jobs: number; tasks: number }> {
  const [row] = await sql<{ jobs: number; tasks: number }[]>`
    SELECT (SELECT count(*) FROM job_runs WHERE finished_at IS NULL)::int AS jobs,
           (SELECT count(*) FROM job_tasks WHERE status IN ('pending', 'running'))::int AS tasks`;
  return row ?? { jobs: 0, tasks: 0 };
}

function machine(loadBefore: number): SoakReport['machine'] {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    load: [round(loadBefore, 1), round(loadavg()[0] ?? 0, 1)],
  };
}
