import * as z from '#shared/domain/zod.ts';
import { DEFAULT_MAX_BODY_BYTES } from './read-body.ts';

const milliseconds = z.number().check(z.int(), z.nonnegative());
const positiveInt = z.number().check(z.int(), z.positive());

/** How the HTTP client times out, retries and reports rate limits; every field has a default. */
export const httpPolicySchema = z.strictObject({
  /** Per attempt, headers and body together. */
  timeoutMs: z._default(positiveInt, 10_000),
  /** Attempts in all, the first included. */
  maxAttempts: z._default(z.number().check(z.int(), z.gte(1), z.lte(10)), 3),
  baseDelayMs: z._default(milliseconds, 500),
  maxDelayMs: z._default(milliseconds, 8_000),
  /**
   * Longest Retry-After the client waits out in-process. A longer one is handed back at once as
   * rate-limited, so that the caller can re-schedule instead of holding a Lambda idle.
   */
  maxRetryAfterMs: z._default(milliseconds, 10_000),
  /** retryAfterMs reported for a 429 that carried no Retry-After. */
  defaultRetryAfterMs: z._default(milliseconds, 60_000),
  /** retryAfterMs reported for a 418 (Upbit's temporary IP block, which escalates if ignored). */
  blockedRetryAfterMs: z._default(milliseconds, 300_000),
  /** A longer body is not read past this many bytes: the outcome is invalid-response. */
  maxBodyBytes: z._default(positiveInt, DEFAULT_MAX_BODY_BYTES),
});

export type HttpPolicy = z.infer<typeof httpPolicySchema>;
export type HttpPolicyInput = z.input<typeof httpPolicySchema>;
