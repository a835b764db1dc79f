import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { snsEvent } from './support/aws-events.ts';
import { resetAws } from './support/aws-mocks.ts';
import { type DiscordWebhook, startDiscordWebhook } from './support/discord-webhook.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

/** The notification CloudWatch publishes to SNS when an alarm changes state. */
const alarm = {
  AlarmName: 'market-data-dev-IngestDlqNotEmpty',
  AlarmDescription: 'Ingest messages were dead-lettered: their tasks are failed by the dlq function.',
  AWSAccountId: '123456789012',
  AlarmConfigurationUpdatedTimestamp: '2026-01-02T09:12:44.000+0000',
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (02/01/26 14:00:00)] was greater than or equal to the threshold (1.0).',
  StateChangeTime: '2026-01-02T14:05:07.089+0000',
  Region: 'US East (N. Virginia)',
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:market-data-dev-IngestDlqNotEmpty',
  OldStateValue: 'OK',
  OKActions: [],
  AlarmActions: ['arn:aws:sns:us-east-1:123456789012:market-data-dev-alarms'],
  InsufficientDataActions: [],
  Trigger: {
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Namespace: 'AWS/SQS',
    StatisticType: 'Statistic',
    Statistic: 'MAXIMUM',
    Unit: null,
    Dimensions: [{ value: 'market-data-dev-ingest-dlq', name: 'QueueName' }],
    Period: 60,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1.0,
    TreatMissingData: 'notBreaching',
  },
};
const event = snsEvent(
  'ALARM: "market-data-dev-IngestDlqNotEmpty" in US East (N. Virginia)',
  JSON.stringify(alarm),
);

let discord: DiscordWebhook;
let fn: LambdaInstance<'notifier'>;
beforeEach(async () => {
  resetAws();
  discord = await startDiscordWebhook();
});
afterEach(async () => {
  await discord.stop();
  vi.unstubAllEnvs();
});

describe('notifier function', () => {
  it('posts one Discord message naming the alarm, with its reason', async () => {
    // Prepare
    fn = await coldStart('notifier', { discord: discord.url });

    // Act
    await fn.handler(event, fn.context);

    // Assess
    expect(discord.posts).toHaveLength(1);
    expect(discord.posts[0]?.body.embeds).toEqual([
      expect.objectContaining({
        title: 'ALARM: market-data-dev-IngestDlqNotEmpty',
        description: alarm.AlarmDescription,
        fields: expect.arrayContaining([{ name: 'Reason', value: alarm.NewStateReason, inline: false }]),
      }),
    ]);
  });

  it('throws when Discord cannot be reached, so Lambda retries and then parks the notification', async () => {
    // Prepare: a webhook URL where nothing listens any more.
    const gone = await startDiscordWebhook();
    await gone.stop();
    fn = await coldStart('notifier', { discord: gone.url });
    const metric = vi.spyOn(fn.observability.emfMetrics, 'add');

    // Act
    const invocation = fn.handler(event, fn.context);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'AlertDeliveryError',
      message: expect.stringContaining('"ALARM: market-data-dev-IngestDlqNotEmpty"'),
    });
    expect(metric).toHaveBeenCalledWith('AlertsUndelivered', 1);
  });

  it('throws when Discord answers 500, after one attempt, counting the undelivered alert', async () => {
    // Prepare
    discord.answer({ status: 500, body: { message: 'Internal Server Error', code: 0 } });
    fn = await coldStart('notifier', { discord: discord.url });
    const metric = vi.spyOn(fn.observability.emfMetrics, 'add');

    // Act
    const invocation = fn.handler(event, fn.context);

    // Assess
    await expect(invocation).rejects.toMatchObject({ name: 'AlertDeliveryError' });
    expect(discord.posts).toHaveLength(1);
    expect(metric).toHaveBeenCalledWith('AlertsUndelivered', 1);
  });

  it('throws at once when Discord rate-limits for longer than an invocation may wait', async () => {
    // Prepare: Discord's documented 429 body (retry_after in seconds on API v10).
    discord.answer({
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 64.57, global: false },
    });
    fn = await coldStart('notifier', { discord: discord.url });

    // Act
    const invocation = fn.handler(event, fn.context);

    // Assess
    await expect(invocation).rejects.toMatchObject({ name: 'AlertDeliveryError' });
    expect(discord.posts).toHaveLength(1);
  });

  it('waits out a short rate limit and posts the alert once Discord accepts it', async () => {
    // Prepare
    discord.answer({ status: 429, body: { message: 'You are being rate limited.', retry_after: 0.01 } });
    fn = await coldStart('notifier', { discord: discord.url });

    // Act
    const invocation = fn.handler(event, fn.context);

    // Assess
    await expect(invocation).resolves.toBeUndefined();
    expect(discord.posts).toHaveLength(2);
  });

  it('posts nothing and counts DiscordWebhookUnset while the webhook secret holds its placeholder', async () => {
    // Prepare: the secret still holds its placeholder.
    fn = await coldStart('notifier');
    const metric = vi.spyOn(fn.observability.emfMetrics, 'add');

    // Act
    const invocation = fn.handler(event, fn.context);

    // Assess: nothing to retry until the URL is set, but the placeholder is counted (and alarmed).
    await expect(invocation).resolves.toBeUndefined();
    expect(discord.posts).toEqual([]);
    expect(metric).toHaveBeenCalledWith('DiscordWebhookUnset', 1);
  });

  it('posts a parked notification when its record is replayed after Discord recovers', async () => {
    // Prepare: three failed attempts (Lambda's first try and two retries), then the record Lambda sends
    // to the on-failure destination, in its documented shape.
    discord.answer(...[1, 2, 3].map(() => ({ status: 503, body: { message: 'Service Unavailable' } })));
    fn = await coldStart('notifier', { discord: discord.url });
    const errors: Error[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await fn.handler(event, fn.context).catch((error: Error) => errors.push(error));
    }
    const parked = JSON.parse(
      JSON.stringify({
        version: '1.0',
        timestamp: '2026-01-02T14:08:11.345Z',
        requestContext: {
          requestId: 'c3ad1a8f-5f3e-4a0b-9b3a-2d9d8f9d1e01',
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:market-data-dev-notifier:$LATEST',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: errors[0]?.name, errorMessage: errors[0]?.message },
      }),
    );
    discord.clear();

    // Act: the runbook's replay, `aws lambda invoke --payload "$(jq .requestPayload)"`.
    await fn.handler(parked.requestPayload, fn.context);

    // Assess
    expect(errors.map((e) => e.name)).toEqual([
      'AlertDeliveryError',
      'AlertDeliveryError',
      'AlertDeliveryError',
    ]);
    expect(discord.posts).toHaveLength(1);
    expect(discord.posts[0]?.body.embeds[0]?.title).toBe('ALARM: market-data-dev-IngestDlqNotEmpty');
  });
});
