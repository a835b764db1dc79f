import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { AnalystLogin } from '#shared/db/analyst-login.ts';
import { ConfigError } from '#shared/domain/config-error.ts';
import * as z from '#shared/domain/zod.ts';
import { secretsClient } from './lambda-secrets.ts';

/** The fields of the analyst's RDS secret (multi-user rotation keeps the same shape) that the login needs. */
const analystSecretSchema = z.object({
  username: z
    .string()
    .check(z.regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL name, e.g. market_analyst')),
  password: z.string().check(z.minLength(16)),
});

/**
 * The analyst login as its secret holds it now (AWSCURRENT), read once per deploy, uncached.
 * @throws ConfigError naming the secret's field when it is not an RDS user secret; the SDK's error when
 * it cannot be read.
 */
export async function readAnalystLogin(arn: string): Promise<AnalystLogin> {
  const { SecretString } = await secretsClient.send(new GetSecretValueCommand({ SecretId: arn }));
  let json: unknown;
  try {
    json = JSON.parse(SecretString ?? '');
  } catch {
    throw new ConfigError('analyst secret (ANALYST_SECRET_ARN) is not JSON: it must be an RDS user secret');
  }
  const parsed = analystSecretSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`analyst secret (ANALYST_SECRET_ARN): ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
