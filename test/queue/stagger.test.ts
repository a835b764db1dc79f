import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_QUEUE_DELAY_SECONDS, peakInWindow, planStagger, requestTimes } from '#shared/queue/stagger.ts';

const start = new Date('2026-01-05T23:30:00Z');

describe('planStagger', () => {
  it('spaces single-request tasks at the budget pace', () => {
    const slots = planStagger({ requestsPerTask: [1, 1, 1, 1], requestsPerSecond: 2, start });
    expect(slots.map((s) => s.notBefore.getTime() - start.getTime())).toEqual([0, 500, 1000, 1500]);
    expect(slots.map((s) => s.delaySeconds)).toEqual([0, 0, 1, 1]);
  });

  it('leaves room for every request of a multi-page task before the next task starts', () => {
    const slots = planStagger({ requestsPerTask: [6, 1], requestsPerSecond: 8, start });
    expect(slots[1]?.notBefore.getTime()).toBe(start.getTime() + 750);
  });

  it('caps the queue delay at 900 s and carries the rest in notBefore', () => {
    const slots = planStagger({ requestsPerTask: Array(3_000).fill(1), requestsPerSecond: 2, start });
    const last = slots.at(-1);
    expect(last?.delaySeconds).toBe(MAX_QUEUE_DELAY_SECONDS);
    expect(last?.notBefore.getTime()).toBe(start.getTime() + 2_999 * 500);
  });

  it('never puts more than the budget of requests in any 1 s window, and finishes at the bound', () => {
    const tasks = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 300 });
    const rate = fc.integer({ min: 1, max: 50 });
    fc.assert(
      fc.property(tasks, rate, (requestsPerTask, requestsPerSecond) => {
        const plan = { requestsPerTask, requestsPerSecond, start };
        const slots = planStagger(plan);
        const times = requestTimes(plan);
        // Each task's slot is the start of its first request on the plan's grid.
        let first = 0;
        for (const [i, slot] of slots.entries()) {
          if (slot.notBefore.getTime() !== times[first]) return false;
          first += requestsPerTask[i] as number;
        }
        const total = requestsPerTask.reduce((a, b) => a + b, 0);
        const makespanMs = Math.max(...times) - start.getTime();
        return (
          peakInWindow(times) <= requestsPerSecond &&
          makespanMs <= ((total - 1) * 1000) / requestsPerSecond + 1
        );
      }),
    );
  });

  it('refuses a budget that is not positive', () => {
    expect(() => planStagger({ requestsPerTask: [1], requestsPerSecond: 0, start })).toThrow(
      /must be positive/,
    );
  });
});

describe('peakInWindow', () => {
  it('counts instants in a sliding half-open window', () => {
    expect(peakInWindow([0, 999, 1000, 1500, 1999])).toBe(3);
    expect(peakInWindow([])).toBe(0);
  });
});
