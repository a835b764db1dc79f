/** SQS's largest DelaySeconds. Later starts are carried by a not-before time and re-delayed on arrival. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

export interface StaggerInput {
  /** Provider requests each task will make, in fan-out order (Upbit pages 200 days per request). */
  requestsPerTask: readonly number[];
  /** The provider's budget in requests per second. */
  requestsPerSecond: number;
  /** When the first task may start. */
  start: Date;
}

export interface StaggerSlot {
  /** The instant the task may start fetching (millisecond precision). */
  notBefore: Date;
  /** What to give the queue: whole seconds, capped at the queue's maximum. */
  delaySeconds: number;
}

/**
 * Spaces tasks so that their requests, made back to back at the budget's pace, never exceed it:
 * task i starts when the requests of tasks 0..i-1 have had their share of time. The makespan is
 * therefore the bound (total requests / rate), and no 1-second window holds more than `rate`
 * request starts.
 */
export function planStagger(input: StaggerInput): StaggerSlot[] {
  if (!(input.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be positive');
  const startMs = input.start.getTime();
  let requestsBefore = 0;
  return input.requestsPerTask.map((requests) => {
    const offsetMs = gridMs(requestsBefore, input.requestsPerSecond);
    requestsBefore += Math.max(1, requests);
    return {
      notBefore: new Date(startMs + offsetMs),
      delaySeconds: Math.min(MAX_QUEUE_DELAY_SECONDS, Math.floor(offsetMs / 1000)),
    };
  });
}

/**
 * Request start instants when each task makes its requests at the budget's pace from its slot: the
 * j-th request of the whole plan starts at ceil(j x interval), the same grid `planStagger` uses.
 */
export function requestTimes(input: StaggerInput): number[] {
  const total = input.requestsPerTask.reduce((sum, n) => sum + Math.max(1, n), 0);
  return Array.from({ length: total }, (_, j) => input.start.getTime() + gridMs(j, input.requestsPerSecond));
}

/** Start of the j-th request, in ms. `j * 1000 / rate` rather than `j * (1000 / rate)`: no float drift. */
function gridMs(j: number, rate: number): number {
  return Math.ceil((j * 1000) / rate);
}

/** The largest number of instants within any window of `windowMs` (sliding, half-open). */
export function peakInWindow(instantsMs: readonly number[], windowMs = 1000): number {
  const sorted = [...instantsMs].sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= windowMs) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}
