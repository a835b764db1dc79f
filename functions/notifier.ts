import type { SNSEvent } from 'aws-lambda';
import { alarmAlert } from '#shared/alerts/alarm-alert.ts';
import { relayAlarms } from '#shared/alerts/relay-alarms.ts';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { discordWebhook } from '#shared/aws/lambda-secrets.ts';
import { emfMetrics, log } from '#shared/aws/observability.ts';

const env = lambdaEnv(FUNCTION_ENV.notifier);

/**
 * CloudWatch alarms (via SNS) to Discord. A notification Discord refuses throws, so Lambda retries it
 * and then parks it in the alert queue (shared/alerts/relay-alarms.ts); a placeholder webhook is counted.
 */
export const handler = withObservability(async (event: SNSEvent) => {
  await relayAlarms(
    event.Records.map((record) => alarmAlert(record.Sns.Subject, record.Sns.Message)),
    { webhookUrl: () => discordWebhook(env.DISCORD_WEBHOOK_SECRET_ARN), metrics: emfMetrics, log },
  );
});
