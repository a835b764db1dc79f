import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '#shared/domain/config-error.ts';

/**
 * The one SDK client every function with a secret needs, created once per instance. Each client lives
 * in the module of what uses it, so a function bundles only the clients it calls (the notifier: this
 * one only; the SQS client is in lambda-queue.ts, the EventBridge one in lambda-deps.ts). Secrets are
 * read with GetSecretValue directly: the two reads below are all the functions make (one uncached, one
 * cached for minutes), which Powertools Parameters' ~6 KB per bundle bought nothing over.
 */
export const secretsClient = new SecretsManagerClient({});

/** The Discord secret is cached for 5 minutes: a pasted webhook URL is picked up without a call per alert. */
const SECRET_MAX_AGE_MS = 300_000;

const cached = new Map<string, { value: Promise<string | undefined>; expiresAt: number }>();

/**
 * The secret's JSON as it is now (AWSCURRENT), read on every call.
 * @throws ConfigError naming `variable` when the secret is not JSON; the SDK's error when it cannot be read.
 */
export async function readSecretJson(arn: string, variable: string): Promise<unknown> {
  const text = await readSecretString(arn);
  try {
    return JSON.parse(text ?? '');
  } catch {
    // No cause: JSON.parse's message quotes the start of the text, which is the secret.
    throw new ConfigError(`secret ${variable} is not JSON: give it the JSON of an RDS user secret`);
  }
}

/** The Discord webhook URL, or undefined while the operator has not set it (alerts are then logged). */
export async function discordWebhook(arn: string): Promise<string | undefined> {
  const value = await cachedSecretString(arn);
  return typeof value === 'string' && value.startsWith('https://') ? value : undefined;
}

async function readSecretString(arn: string): Promise<string | undefined> {
  const { SecretString } = await secretsClient.send(new GetSecretValueCommand({ SecretId: arn }));
  return SecretString;
}

/** A failed read is not cached: the next call reads again. */
function cachedSecretString(arn: string): Promise<string | undefined> {
  const now = Date.now();
  const hit = cached.get(arn);
  if (hit && hit.expiresAt > now) return hit.value;
  const value = readSecretString(arn);
  cached.set(arn, { value, expiresAt: now + SECRET_MAX_AGE_MS });
  value.catch(() => cached.delete(arn));
  return value;
}
