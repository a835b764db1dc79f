import type { FaultKind } from '#shared/market-server/index.ts';
import type { Reconciliation } from './reconcile.ts';
import type { SoakOptions } from './soak-options.ts';

export type PhaseName = 'daily' | 'backfill';

/** One phase: its first job plus the `retryFailedOf` rounds, each drained to an empty queue. */
export interface PhaseReport {
  name: PhaseName;
  seconds: number;
  jobs: number;
  retryRounds: number;
  /** Tasks that ended (success or failed), over every job of the phase. */
  tasks: number;
  rowsUpserted: number;
  rowsPerSecond: number;
  tasksPerSecond: number;
  /** Failed tasks of the last round: what the retry rounds could not recover. */
  failedAfterRetries: number;
  /** Messages put back by the ingest (rate limit, transient failure, early), dead-lettered, unreadable. */
  drain: { retried: number; deadLettered: number; poisoned: number };
  requests: number;
  faults: Partial<Record<FaultKind, number>>;
  /** 429s the server sent beyond the injected ones: the pipeline went over a provider's limit. */
  overLimit429: number;
  peakRssMb: number;
  peakConnections: number;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SoakReport {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    /** 1-minute load average at the start and end of the run: other work on the machine skews the figures. */
    load: [number, number];
  };
  options: SoakOptions;
  phases: PhaseReport[];
  totalSeconds: number;
  peakRssMb: number;
  peakConnections: number;
  /** The pool plus the sampler's own connection. */
  connectionLimit: number;
  unfinishedJobs: number;
  unfinishedTasks: number;
  /** Messages left in the ingest and dead-letter queues. */
  queuedMessages: number;
  reconciliation: Reconciliation;
  reconcileSeconds: number;
  invariants: Invariant[];
  ok: boolean;
}

/** The promises a soak run checks, each with the figures behind its verdict. */
export function checkInvariants(report: Omit<SoakReport, 'invariants' | 'ok'>): Invariant[] {
  const sum = (pick: (p: PhaseReport) => number) => report.phases.reduce((n, p) => n + pick(p), 0);
  const r = report.reconciliation;
  const check = (name: string, ok: boolean, detail: string) => ({ name, ok, detail });
  return [
    check(
      'no job or task left running',
      report.unfinishedJobs + report.unfinishedTasks === 0,
      `${report.unfinishedJobs} jobs, ${report.unfinishedTasks} tasks unfinished`,
    ),
    check(
      'queues drained',
      report.queuedMessages + sum((p) => p.drain.poisoned) === 0,
      `${report.queuedMessages} left, ${sum((p) => p.drain.poisoned)} unreadable`,
    ),
    check(
      'failed tasks recovered by retry rounds',
      sum((p) => p.failedAfterRetries) === 0,
      `${sum((p) => p.failedAfterRetries)} still failed`,
    ),
    check('no bar missing', r.missing === 0, `${r.missing} of ${r.expected} expected`),
    check('no bar duplicated', r.duplicated === 0, `${r.duplicated} duplicated`),
    check('no bar unexpected', r.unexpected === 0, `${r.unexpected} stored but never served`),
    check('stored prices equal served', r.mismatched === 0, `${r.mismatched} differ`),
    check(
      'connections within the pool',
      report.peakConnections <= report.connectionLimit,
      `peak ${report.peakConnections}, limit ${report.connectionLimit} (pool ${report.options.pool} + sampler)`,
    ),
    check(
      'provider limits respected',
      sum((p) => p.overLimit429) === 0,
      `${sum((p) => p.overLimit429)} 429s`,
    ),
  ];
}

/** The report for a person: options, one line per phase, peaks, reconciliation, invariants. */
export function formatSoakReport(report: SoakReport): string[] {
  const { options: o, reconciliation: r } = report;
  const n = (value: number) => value.toLocaleString('en-US');
  return [
    `soak ${report.date}: ${n(o.assets)} assets, ${o.years}-year backfill, ${o.faultRate * 100} % faults, ` +
      `seed ${o.seed}, ${o.workers} workers, pool ${o.pool} (${report.machine.cpus} cores, load ` +
      `${report.machine.load.join(' -> ')}, node ${report.machine.node})`,
    ...report.phases.map(
      (p) =>
        `  ${p.name.padEnd(8)} ${p.seconds} s: ${n(p.rowsUpserted)} rows (${n(p.rowsPerSecond)}/s), ` +
        `${n(p.tasks)} tasks (${n(p.tasksPerSecond)}/s), ${p.jobs} jobs, ${p.retryRounds} retry rounds, ` +
        `${n(p.requests)} requests, faults ${JSON.stringify(p.faults)}, peak RSS ${p.peakRssMb} MB, ` +
        `peak connections ${p.peakConnections}`,
    ),
    `  peak RSS ${report.peakRssMb} MB; peak connections ${report.peakConnections} of ${report.connectionLimit}; ` +
      `unfinished jobs ${report.unfinishedJobs}, tasks ${report.unfinishedTasks}`,
    `  reconciliation (${report.reconcileSeconds} s): expected ${n(r.expected)}, stored ${n(r.stored)}, ` +
      `missing ${r.missing}, duplicated ${r.duplicated}, unexpected ${r.unexpected}, mismatched ${r.mismatched}`,
    ...report.invariants.map((i) => `  ${i.ok ? 'ok  ' : 'FAIL'} ${i.name}: ${i.detail}`),
    `soak ${report.ok ? 'passed' : 'FAILED'} in ${report.totalSeconds} s`,
  ];
}
