/** What the reconnect drill's worker process and the test agree on. */

/** application_name of the worker's pool: the backends the drill terminates. */
export const DRILL_APP = 'driver-reconnect-drill';
export const DRILL_ASSET_SYMBOLS = ['DRILLA', 'DRILLB', 'DRILLC', 'DRILLD'];
/** Days of history per asset: 4 x 10,000 rows make each upsert one COPY of 40,000 rows. */
export const DRILL_DAYS = 10_000;

export interface WorkerReport {
  /** `select n` queries that came back with another query's answer. */
  mismatches: { asked: number; got: number | null }[];
  /** Errors the worker's queries failed with, by code and message, with counts. */
  errors: Record<string, number>;
  upsertsAfterFault: number;
  /** Whether 300 concurrent queries on the same pool all succeeded once it had reconnected. */
  recovered: boolean;
  /** prices_daily at the end: `stale` rows are not from the last upsert that succeeded. */
  rows?: { expected: number; total: number; stale: number };
}

/** Ten years of daily bars for the fault matrix's assets: a multi-year backfill like the CLI's. */
export const BACKFILL_RANGE = { start: '2015-01-01', end: '2025-02-28' } as const;

export interface BackfillReport {
  /** Whether the local runtime's drain ended (within the worker's deadline). */
  drained: boolean;
  /** Jobs not finished plus tasks left pending or running. */
  stuck: number;
  /** Jobs whose counters disagree with their tasks. */
  miscounted: number;
  failedTasks: string[];
  /** prices_daily against what the market server served for the tasks that succeeded. */
  rows: { expected: number; stored: number; lost: number; duplicated: number; unexpected: number };
}
