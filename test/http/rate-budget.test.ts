import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HttpConfigError } from '#shared/http/errors.ts';
import { RateBudget, rateBudgetFor } from '#shared/http/rate-budget.ts';
import { instantClock } from './support/instant-clock.ts';

/** The largest number of grants that started within any window of `windowMs` (half-open). */
function busiestWindow(grants: number[], windowMs: number): number {
  const sorted = [...grants].sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] ?? 0) - (sorted[i] ?? 0) >= windowMs) i++;
    busiest = Math.max(busiest, j - i + 1);
  }
  return busiest;
}

describe('RateBudget on fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never lets more than N requests start in any one-second window, however callers arrive', async () => {
    const arrivals = fc.array(
      fc.record({ gapMs: fc.integer({ min: 0, max: 1_500 }), burst: fc.integer({ min: 1, max: 15 }) }),
      {
        minLength: 1,
        maxLength: 12,
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), arrivals, async (perSecond, steps) => {
        // Prepare
        const budget = new RateBudget({ perSecond });
        const grants: number[] = [];
        const pending: Promise<void>[] = [];

        // Act
        for (const { gapMs, burst } of steps) {
          await vi.advanceTimersByTimeAsync(gapMs);
          for (let k = 0; k < burst; k++)
            pending.push(budget.acquire().then(() => void grants.push(Date.now())));
        }
        await vi.runAllTimersAsync();
        await Promise.all(pending);

        // Assess
        expect(grants).toHaveLength(pending.length);
        expect(busiestWindow(grants, 1_000)).toBeLessThanOrEqual(perSecond);
      }),
      { numRuns: 150 },
    );
  });

  it('lets the first N requests of a second start at once', async () => {
    // Prepare
    const budget = new RateBudget({ perSecond: 8 });
    const start = Date.now();
    const grants: number[] = [];

    // Act
    const all = Array.from({ length: 10 }, () =>
      budget.acquire().then(() => void grants.push(Date.now() - start)),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);

    // Assess
    expect(grants).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1_000, 1_000]);
  });

  it('spaces requests out when the rate is below one per second', async () => {
    // Prepare
    const budget = new RateBudget({ perSecond: 0.5 });
    const start = Date.now();
    const grants: number[] = [];

    // Act
    const all = Array.from({ length: 3 }, () =>
      budget.acquire().then(() => void grants.push(Date.now() - start)),
    );
    await vi.runAllTimersAsync();
    await Promise.all(all);

    // Assess
    expect(grants).toEqual([0, 2_000, 4_000]);
  });
});

describe('RateBudget server hints', () => {
  it('holds the next request for a full second once the server says none remain this second', async () => {
    // Prepare
    const clock = instantClock();
    const budget = new RateBudget({ perSecond: 8, clock });
    await budget.acquire();

    // Act
    budget.observeRemaining(0);
    await budget.acquire();

    // Assess
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('does not hold requests while the server says some remain', async () => {
    // Prepare
    const clock = instantClock();
    const budget = new RateBudget({ perSecond: 8, clock });

    // Act
    budget.observeRemaining(3);
    await budget.acquire();

    // Assess
    expect(clock.sleeps).toEqual([]);
    expect(budget.pausedForMs()).toBe(0);
  });
});

describe('rateBudgetFor', () => {
  it('gives every caller in the process the same budget for a provider', () => {
    expect(rateBudgetFor('test-shared', 5)).toBe(rateBudgetFor('test-shared', 5));
  });

  it('refuses a second, different rate for the same provider', () => {
    // Prepare
    rateBudgetFor('test-conflict', 5);

    // Act
    const act = () => rateBudgetFor('test-conflict', 9);

    // Assess
    expect(act).toThrow(HttpConfigError);
    expect(act).toThrow(/test-conflict already runs at 5 req\/s in this process, not 9/);
  });

  it('rejects a rate that is not a positive number', () => {
    expect(() => new RateBudget({ perSecond: 0 })).toThrow(/perSecond must be a positive number, got 0/);
  });
});
