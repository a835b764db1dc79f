/** How long to wait between attempts when the server gives no hint. */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Up to +30 %: enough to spread clients that failed together, small enough to keep delays predictable. */
const JITTER = 0.3;

/**
 * Delay before retry number `retry` (0 for the first retry): `base * 2^retry * (1 + random * 0.3)`,
 * rounded and capped at `maxDelayMs`. `random` must return values in [0, 1), like `Math.random`.
 */
export function backoffDelayMs(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const delay = policy.baseDelayMs * 2 ** retry * (1 + random() * JITTER);
  return Math.min(policy.maxDelayMs, Math.round(delay));
}

/**
 * Reads a `Retry-After` header (RFC 9110: delay-seconds or an HTTP-date) as milliseconds from `now`.
 * Returns null when the header is absent or unreadable, 0 for a date already past.
 */
export function parseRetryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  // Fractional seconds are not in the RFC but some servers send them; reading them costs nothing.
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  if (!/[a-z]/i.test(trimmed)) return null; // an HTTP-date always names a day or month
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
