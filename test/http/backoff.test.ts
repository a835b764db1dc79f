import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from '#shared/http/backoff.ts';

const policy = { baseDelayMs: 500, maxDelayMs: 8_000 };

describe('backoffDelayMs', () => {
  it('doubles the base delay with each retry when the jitter is zero', () => {
    // Act
    const delays = [0, 1, 2, 3].map((retry) => backoffDelayMs(retry, policy, () => 0));

    // Assess
    expect(delays).toEqual([500, 1_000, 2_000, 4_000]);
  });

  it('adds up to 30 % of jitter from the random source', () => {
    // Act
    const delays = [0.5, 0.999].map((r) => backoffDelayMs(1, policy, () => r));

    // Assess
    expect(delays).toEqual([1_150, 1_300]);
  });

  it('never waits longer than the maximum delay', () => {
    // Act
    const delay = backoffDelayMs(10, policy, () => 0.9);

    // Assess
    expect(delay).toBe(8_000);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-07-30T17:36:32Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('7', now)).toBe(7_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfterMs('Wed, 30 Jul 2025 17:36:45 GMT', now)).toBe(13_000);
  });

  it('treats an HTTP-date in the past as no wait', () => {
    expect(parseRetryAfterMs('Wed, 30 Jul 2025 17:00:00 GMT', now)).toBe(0);
  });

  it('returns null when the header is absent or unreadable', () => {
    expect(parseRetryAfterMs(null, now)).toBeNull();
    expect(parseRetryAfterMs('soon', now)).toBeNull();
    expect(parseRetryAfterMs('-5', now)).toBeNull();
  });
});
