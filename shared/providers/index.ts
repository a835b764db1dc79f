import * as z from '#shared/domain/zod.ts';
import { createHttpClient } from '#shared/http/client.ts';
import type { Clock } from '#shared/http/clock.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import { httpPolicySchema } from '#shared/http/policy.ts';
import { type RateBudget, rateBudgetFor } from '#shared/http/rate-budget.ts';
import { ProviderConfigError } from './errors.ts';
import type { PriceProvider, ProviderName } from './types.ts';
import { createUpbitProvider } from './upbit/provider.ts';
import { feedRemainingReq } from './upbit/remaining-req.ts';
import { createYahooProvider } from './yahoo/provider.ts';

export { InvalidFetchRequestError, ProviderConfigError } from './errors.ts';
export type { FetchRequest } from './request.ts';
export type * from './types.ts';

/** Provider settings; each has a per-provider default, so `{}` talks to the real service. */
export const providerConfigSchema = z.strictObject({
  ...httpPolicySchema.shape,
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** Requests started per second, retries and pages included, shared by the whole process. */
  rateLimitPerSecond: z.number().check(z.positive(), z.lte(1000)),
  userAgent: z.string().check(z.minLength(1)),
});

export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export interface ProviderOptions extends Partial<ProviderConfig> {
  /** A budget of its own instead of the process-wide one for this provider (rateLimitPerSecond is then unused). */
  rateBudget?: RateBudget;
  clock?: Clock;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

const USER_AGENT = 'Mozilla/5.0 (compatible; market-data-pipeline/0.1)';

/**
 * Defaults per provider. Yahoo publishes no limit and answers bursts with "Edge: Too Many Requests",
 * so it gets a conservative 2 req/s and a minute's back-off. Upbit allows 10 req/s for the candle group
 * per IP; 8 leaves room for clock skew, and its 418 block escalates, so it is waited out for 5 minutes.
 */
export const PROVIDER_DEFAULTS: Record<ProviderName, z.input<typeof providerConfigSchema>> = {
  yahoo: {
    baseUrl: 'https://query1.finance.yahoo.com',
    rateLimitPerSecond: 2,
    userAgent: USER_AGENT,
    timeoutMs: 10_000,
    maxAttempts: 3,
    baseDelayMs: 1_000,
    maxDelayMs: 8_000,
    defaultRetryAfterMs: 60_000,
  },
  upbit: {
    baseUrl: 'https://api.upbit.com',
    rateLimitPerSecond: 8,
    userAgent: USER_AGENT,
    timeoutMs: 10_000,
    maxAttempts: 3,
    baseDelayMs: 250,
    maxDelayMs: 4_000,
    defaultRetryAfterMs: 10_000,
    blockedRetryAfterMs: 300_000,
  },
};

/**
 * A price provider over real HTTP, with its defaults under `options`. Create it once per process (at
 * module scope in a Lambda): its rate budget is shared by every client of the same provider. Throws
 * ProviderConfigError for an unknown provider, invalid options, or a rate that contradicts the budget
 * this provider already has in the process.
 */
export function createProvider(name: ProviderName, options: ProviderOptions = {}): PriceProvider {
  const { rateBudget, clock, random, ...given } = options;
  const defaults = PROVIDER_DEFAULTS[name];
  if (defaults === undefined) {
    throw new ProviderConfigError(`unknown provider "${name}"; expected yahoo or upbit`);
  }
  const set = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const parsed = providerConfigSchema.safeParse({ ...defaults, ...set });
  if (!parsed.success) {
    const issues = summariseIssues(parsed.error);
    throw new ProviderConfigError(`${name}: invalid provider options: ${issues}`, { cause: parsed.error });
  }
  const { baseUrl, rateLimitPerSecond, userAgent, ...policy } = parsed.data;
  let budget: RateBudget;
  try {
    budget = rateBudget ?? rateBudgetFor(name, rateLimitPerSecond);
  } catch (error) {
    throw new ProviderConfigError(`${name}: ${(error as Error).message}`, { cause: error });
  }
  const http = createHttpClient(policy, {
    rateBudget: budget,
    headers: { 'user-agent': userAgent },
    onResponse: name === 'upbit' ? feedRemainingReq(budget) : undefined,
    clock,
    random,
  });
  return name === 'yahoo' ? createYahooProvider({ baseUrl, http }) : createUpbitProvider({ baseUrl, http });
}
