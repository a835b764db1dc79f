import * as z from 'zod';
import { DEFAULT_MAX_BODY_BYTES } from './read-body.ts';

const milliseconds = z.number().int().nonnegative();

/** How the HTTP client times out, retries and reports rate limits; every field has a default. */
export const httpPolicySchema = z.strictObject({
  /** Per attempt, headers and body together. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Attempts in all, the first included. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  baseDelayMs: milliseconds.default(500),
  maxDelayMs: milliseconds.default(8_000),
  /**
   * Longest Retry-After the client waits out in-process. A longer one is handed back at once as
   * rate-limited, so that the caller can re-schedule instead of holding a Lambda idle.
   */
  maxRetryAfterMs: milliseconds.default(10_000),
  /** retryAfterMs reported for a 429 that carried no Retry-After. */
  defaultRetryAfterMs: milliseconds.default(60_000),
  /** retryAfterMs reported for a 418 (Upbit's temporary IP block, which escalates if ignored). */
  blockedRetryAfterMs: milliseconds.default(300_000),
  /** A longer body is not read past this many bytes: the outcome is invalid-response. */
  maxBodyBytes: z.number().int().positive().default(DEFAULT_MAX_BODY_BYTES),
});

export type HttpPolicy = z.infer<typeof httpPolicySchema>;
export type HttpPolicyInput = z.input<typeof httpPolicySchema>;
