import { type Clock, systemClock } from './clock.ts';
import { HttpConfigError } from './errors.ts';

export interface RateBudgetOptions {
  /** Requests per second; below 1 it means one request every `1 / perSecond` seconds. */
  perSecond: number;
  clock?: Clock;
}

/**
 * Lets at most `perSecond` requests start in any window of one second. It keeps a sliding log of the
 * last grants rather than a token bucket, whose refill lets nearly twice the rate through a window that
 * straddles a burst. Slots are reserved synchronously, so concurrent callers in one process never share
 * a slot; they only wait for theirs.
 */
export class RateBudget {
  readonly perSecond: number;
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #windowMs: number;
  /** Start times of the last `#capacity` grants, ascending; some may lie in the future (reserved). */
  readonly #grants: number[] = [];
  #pausedUntil = 0;

  /** Throws HttpConfigError when `perSecond` is not a positive finite number. */
  constructor(options: RateBudgetOptions) {
    const { perSecond } = options;
    if (!Number.isFinite(perSecond) || perSecond <= 0) {
      throw new HttpConfigError(`rate budget: perSecond must be a positive number, got ${perSecond}`);
    }
    this.perSecond = perSecond;
    this.#clock = options.clock ?? systemClock;
    // A fractional rate above 1 is rounded down: the budget must never be exceeded, only under-used.
    this.#capacity = perSecond >= 1 ? Math.floor(perSecond) : 1;
    this.#windowMs = perSecond >= 1 ? 1000 : 1000 / perSecond;
  }

  /** Waits until a request may start, and counts it as started. */
  async acquire(): Promise<void> {
    const now = this.#clock.now();
    const slot = this.#reserve(now);
    if (slot > now) await this.#clock.sleep(slot - now);
  }

  /** Holds every request not yet started for `ms` from now (e.g. while a server asks us to back off). */
  pauseFor(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
  }

  /** How long requests are still held by `pauseFor` or a server hint; 0 when they are not. */
  pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.#clock.now());
  }

  /**
   * A server hint: `remaining` requests left in the server's current second. At 0 nothing more starts for
   * a full second from now, which covers the next second whether the server counts in fixed or sliding
   * windows (the hint arrives after the server counted the request that used the last one).
   */
  observeRemaining(remaining: number): void {
    if (remaining <= 0) this.pauseFor(1000);
  }

  #reserve(now: number): number {
    let slot = Math.max(now, this.#pausedUntil);
    const oldest = this.#grants[0];
    if (this.#grants.length === this.#capacity && oldest !== undefined) {
      slot = Math.max(slot, oldest + this.#windowMs);
      this.#grants.shift();
    }
    this.#grants.push(slot);
    return slot;
  }
}

/* One budget per provider and process: every client of a provider must draw from the same one. */
const budgets = new Map<string, RateBudget>();

/**
 * The process-wide budget for `provider`, created on first use with the system clock. Throws
 * HttpConfigError when the provider already has a budget with a different rate, because two rates for
 * one provider would silently halve or double what reaches the server.
 */
export function rateBudgetFor(provider: string, perSecond: number): RateBudget {
  const existing = budgets.get(provider);
  if (existing === undefined) {
    const created = new RateBudget({ perSecond });
    budgets.set(provider, created);
    return created;
  }
  if (existing.perSecond !== perSecond) {
    throw new HttpConfigError(
      `rate budget: ${provider} already runs at ${existing.perSecond} req/s in this process, not ${perSecond}; ` +
        'create its clients with the same rate, or pass an explicit RateBudget',
    );
  }
  return existing;
}
