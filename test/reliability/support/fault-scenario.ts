import type { DrainStats } from '#shared/local/runtime.ts';
import type { FaultKind, FaultsInput, MarketServerStats } from '#shared/market-server/index.ts';
import type { AlertLedger, DiscordMode } from './discord-stand-in.ts';
import type { DrillRuntimeOptions } from './drill-runtime.ts';
import type { JobLedger, RowLedger } from './ledger.ts';

/** Five months: about 100 sessions for a stock, 150 days for bitcoin; one task per asset. */
export const DRILL_RANGE = { start: '2024-10-01', end: '2025-02-28' } as const;

/** One row of the fault matrix: what goes wrong, and what the drill must then find. */
export interface FaultScenario {
  name: string;
  seed: number;
  faults?: FaultsInput;
  /** Adds the VANISHED asset, which the server answers 404. */
  vanished?: boolean;
  runtime?: Pick<
    DrillRuntimeOptions,
    'providerTimeoutMs' | 'maxReceiveCount' | 'visibilityTimeoutSeconds' | 'clockSpeed'
  >;
  /** Runs on the private cluster, which goes down for `downMs` once the first task has ended. */
  outage?: { downMs: number };
  discord?: DiscordMode;
  /** Tasks that must fail, by symbol, with what their reason must say. */
  mustFail?: Record<string, RegExp>;
  /** Any other task may fail only with a reason like this (seeded random faults); none may when absent. */
  mayFail?: RegExp;
  /** Fault kinds the server must have injected, so that the drill is not vacuous. */
  injected?: FaultKind[];
  /** The ingest must have put some deliveries back on the queue with a delay (its own back-off). */
  requeues?: boolean;
}

export interface DrillOutcome {
  rows: RowLedger;
  jobs: JobLedger;
  alerts: AlertLedger;
  faults: MarketServerStats['faults'];
  /** Undefined when the drain had not finished by the deadline. */
  drain: DrainStats | undefined;
  redeliveries: number;
  requeued: number;
}
