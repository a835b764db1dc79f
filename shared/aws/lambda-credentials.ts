import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (infra/lambda-bundling.ts
 * aliases it here): the SDK clients' default credentials come from the environment, where Lambda puts
 * the execution role's (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). Why: the full
 * chain (SSO, ini files, web identity, process, IMDS, with the STS/SSO clients they need) is about
 * 135 KB of every bundle that a Lambda never runs. Only the bundles use this; tests and the CLI keep
 * the SDK's chain. Rejects with the SDK's CredentialsProviderError when the variables are missing.
 */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider {
  return fromEnv(init);
}
