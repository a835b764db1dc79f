import type { SNSEvent } from 'aws-lambda';
import { alarmAlert } from '#shared/alerts/alarm-alert.ts';
import { createDiscordAlerter } from '#shared/alerts/discord-alerter.ts';
import { withObservability } from '#shared/aws/handler-kit.ts';
import { FUNCTION_ENV, lambdaEnv } from '#shared/aws/lambda-env.ts';
import { discordWebhook } from '#shared/aws/lambda-secrets.ts';
import { log } from '#shared/aws/observability.ts';

const env = lambdaEnv(FUNCTION_ENV.notifier);
const alerter = createDiscordAlerter({
  webhookUrl: () => discordWebhook(env.DISCORD_WEBHOOK_SECRET_ARN),
  log,
});

/** CloudWatch alarms (via SNS) to Discord. Sending never throws; a lost alert is logged. */
export const handler = withObservability(async (event: SNSEvent) => {
  for (const record of event.Records) await alerter.send(alarmAlert(record.Sns.Subject, record.Sns.Message));
});
