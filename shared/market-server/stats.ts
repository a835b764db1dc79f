import type { FaultKind } from './faults.ts';

/** Where a request went: one of the two services, or nowhere the server knows. */
export type RouteName = 'yahoo-chart' | 'upbit-candles-days' | 'unknown';

export interface MarketServerStats {
  /** Requests received, all routes. */
  total: number;
  /** Answers by route and status code; a hung request counts under "hang". */
  byRoute: Partial<Record<RouteName, Record<string, number>>>;
  /** Faults injected by kind; nullBar counts bars, the others requests. */
  faults: Partial<Record<FaultKind, number>>;
}

/** Counters behind `MarketServer.stats()`; the snapshot is a copy, so callers can diff two of them. */
export class StatsRecorder {
  #total = 0;
  #byRoute: MarketServerStats['byRoute'] = {};
  #faults: MarketServerStats['faults'] = {};

  received(): void {
    this.#total++;
  }

  answered(route: RouteName, status: number | 'hang'): void {
    const counts = this.#byRoute[route] ?? {};
    counts[status] = (counts[status] ?? 0) + 1;
    this.#byRoute[route] = counts;
  }

  fault(kind: FaultKind): void {
    this.#faults[kind] = (this.#faults[kind] ?? 0) + 1;
  }

  snapshot(): MarketServerStats {
    return structuredClone({ total: this.#total, byRoute: this.#byRoute, faults: this.#faults });
  }
}
