/** Time as the HTTP client and rate budgets see it; injected so that tests run on virtual time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; at once when `ms <= 0`. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: `Date.now` and `setTimeout` (looked up at call time, so fake timers apply too). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve()),
};
