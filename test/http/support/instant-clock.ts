import type { Clock } from '#shared/http/clock.ts';

export interface InstantClock extends Clock {
  /** Every wait asked for, in order. */
  sleeps: number[];
}

/**
 * Virtual time for code that waits one thing at a time: `sleep` returns at once and moves `now`
 * forward by the wait, so retries and rate-limit pauses cost no real time and are recorded.
 */
export function instantClock(start = Date.parse('2025-01-02T10:00:00Z')): InstantClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    async sleep(ms) {
      sleeps.push(ms);
      now += Math.max(0, ms);
    },
  };
}
