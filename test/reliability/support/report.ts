import { appendFileSync } from 'node:fs';
import type { AlertLedger } from './discord-stand-in.ts';
import type { RowLedger } from './ledger.ts';

/** One drill's outcome, as docs/RELIABILITY.md quotes it. */
export interface DrillSummary {
  suite: 'at-least-once' | 'fault-matrix';
  scenario: string;
  seed: number;
  rows: Pick<RowLedger, 'expected' | 'stored' | 'lost' | 'duplicated'>;
  jobsStuck: number;
  failedTasks: { symbol: string; error: string }[];
  alerts: Pick<AlertLedger, 'expected' | 'delivered' | 'undeliverable' | 'posts'>;
  /** Deliveries put back with a delay by the ingest itself (rate limit, transient failure). */
  requeued: number;
  /**
   * Deliveries beyond one per task other than requeues: duplicate copies, deliveries whose
   * acknowledgement was lost, and deliveries whose processing threw (left to reappear).
   */
  redeliveries: number;
  /** False when the queue was not empty by the drill's deadline (work stuck). */
  drained: boolean;
  durationMs: number;
}

/**
 * Prints one line per drill, and appends it as one JSON object per line (JSON Lines) to the file named
 * by RELIABILITY_REPORT when that is set: the test files run in parallel and each appends whole lines.
 */
export function reportDrill(summary: DrillSummary): void {
  const { rows, alerts } = summary;
  const failed = summary.failedTasks.map((t) => t.symbol).join(',') || '-';
  console.log(
    `reliability ${summary.suite} "${summary.scenario}" seed=${summary.seed}: rows expected=${rows.expected} ` +
      `stored=${rows.stored} lost=${rows.lost} duplicated=${rows.duplicated}; jobs stuck=${summary.jobsStuck}; ` +
      `failed tasks=${summary.failedTasks.length} (${failed}); alerts expected=${alerts.expected} ` +
      `delivered=${alerts.delivered} undeliverable=${alerts.undeliverable} posts=${alerts.posts}; ` +
      `requeued=${summary.requeued} redeliveries=${summary.redeliveries}; ${summary.drained ? 'drained' : 'NOT DRAINED'} in ${summary.durationMs} ms`,
  );
  const path = process.env.RELIABILITY_REPORT;
  if (!path) return;
  // Only the documented fields, in a fixed order, whatever else the ledgers carry.
  const line = {
    suite: summary.suite,
    scenario: summary.scenario,
    seed: summary.seed,
    rows: { expected: rows.expected, stored: rows.stored, lost: rows.lost, duplicated: rows.duplicated },
    jobsStuck: summary.jobsStuck,
    failedTasks: summary.failedTasks.map(({ symbol, error }) => ({ symbol, error })),
    alerts: {
      expected: alerts.expected,
      delivered: alerts.delivered,
      undeliverable: alerts.undeliverable,
      posts: alerts.posts,
    },
    requeued: summary.requeued,
    redeliveries: summary.redeliveries,
    drained: summary.drained,
    durationMs: summary.durationMs,
  };
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}
