import { createProvider } from '#shared/providers/index.ts';
import type { PriceProvider, ProviderName } from '#shared/providers/types.ts';
import type { LambdaEnv } from './lambda-env.ts';

/**
 * The price providers, for pipelineDeps of the one function that fetches (ingest): the providers, the
 * HTTP client and their response schemas stay out of the other bundles.
 * @throws ProviderConfigError when a base URL override is invalid.
 */
export function lambdaProviders(
  env: Partial<Pick<LambdaEnv, 'YAHOO_BASE_URL' | 'UPBIT_BASE_URL' | 'YAHOO_USER_AGENT'>>,
): Record<ProviderName, PriceProvider> {
  return {
    yahoo: createProvider('yahoo', { baseUrl: env.YAHOO_BASE_URL, userAgent: env.YAHOO_USER_AGENT }),
    upbit: createProvider('upbit', { baseUrl: env.UPBIT_BASE_URL }),
  };
}
