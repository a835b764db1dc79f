import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * The one SDK client every function with a secret needs, created once per instance. Each client lives
 * in the module of what uses it, so a function bundles only the clients it calls (the notifier: this
 * one only; the SQS client is in lambda-queue.ts, the EventBridge one in lambda-deps.ts).
 */
export const secretsClient = new SecretsManagerClient({});
export const secrets = new SecretsProvider({ awsSdkV3Client: secretsClient });

/** The Discord secret is cached for 5 minutes: a pasted webhook URL is picked up without a call per alert. */
const SECRET_MAX_AGE_SECONDS = 300;

/** The Discord webhook URL, or undefined while the operator has not set it (alerts are then logged). */
export async function discordWebhook(arn: string): Promise<string | undefined> {
  const value = await secrets.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
  return typeof value === 'string' && value.startsWith('https://') ? value : undefined;
}
