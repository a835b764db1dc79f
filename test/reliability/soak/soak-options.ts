import { z } from 'zod';
import { summariseIssues } from '#shared/http/errors.ts';
import { DRAIN_IN_FLIGHT } from '#shared/local/runtime.ts';
import type { FaultsInput } from '#shared/market-server/index.ts';

/** Soak options that cannot work: a fault rate above 1, zero assets, a pool smaller than the workers. */
export class SoakConfigError extends Error {
  override name = 'SoakConfigError';
}

export const soakOptionsSchema = z
  .strictObject({
    /** Assets on the daily schedule and in the backfill, spread evenly over XNYS, XKRX and 24/7 (Upbit). */
    assets: z.number().int().min(3).max(10_000).default(5_000),
    /** Years of history the backfill asks for, ending today. */
    years: z.number().int().min(1).max(10).default(3),
    /** Share of provider requests that meet a fault, split evenly over 429, 5xx, truncated and hang. */
    faultRate: z.number().min(0).max(0.5).default(0.01),
    /** Seeds the market server's prices and fault draws: the same seed meets the same faults. */
    seed: z.number().int().default(1),
    /** Concurrent drain workers, like concurrent ingest Lambdas. */
    workers: z.number().int().min(1).max(64).default(DRAIN_IN_FLIGHT),
    /** Database pool size; each worker holds a connection while it writes. Default: workers + 4. */
    pool: z.number().int().min(1).max(150).optional(),
    /** Retry rounds (`retryFailedOf`) per phase before the failed tasks are left as they are. */
    maxRetryRounds: z.number().int().min(0).max(20).default(5),
  })
  .transform((o) => ({ ...o, pool: o.pool ?? o.workers + 4 }));

export type SoakOptionsInput = z.input<typeof soakOptionsSchema>;
export type SoakOptions = z.output<typeof soakOptionsSchema>;

/** Validates options over the defaults (the full size of issue 6). Throws SoakConfigError naming the field. */
export function parseSoakOptions(input: SoakOptionsInput): SoakOptions {
  const parsed = soakOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new SoakConfigError(`soak: ${summariseIssues(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

/**
 * The market server's fault knobs for a mixed `rate`: a quarter each of 429 (Yahoo's with Retry-After),
 * 502/503, a 200 cut in half, and a request never answered (latency past the client's timeout). The
 * server's own latency knob delays every request, so it cannot stand for a per-request fault.
 */
export function mixedFaults(rate: number): FaultsInput {
  const share = rate / 4;
  return { rate429: share, rate5xx: share, truncatedRate: share, hangRate: share };
}
