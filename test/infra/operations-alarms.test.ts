import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadStageConfig, StageConfigError } from '#infra/config.ts';
import { MAX_QUEUE_DELAY_SECONDS } from '#shared/queue/stagger.ts';
import { templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');
const prod = templatesOf('prod');
const withEmail = templatesOf('dev', { context: { alertEmail: 'ops@example.com' } });

/** The logical id of the one Lambda function named market-data-dev-<name>. */
function functionId(template: Template, name: string): string {
  const ids = Object.keys(
    template.findResources('AWS::Lambda::Function', {
      Properties: { FunctionName: `market-data-dev-${name}` },
    }),
  );
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** The alarm named <stack>-<id>, by its properties. */
function alarm(template: Template, stack: string, id: string) {
  const [found] = Object.values(
    template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `${stack}-${id}` } }),
  );
  expect(found, `alarm ${id}`).toBeDefined();
  return found?.Properties;
}

const onFailureTo = (queuePrefix: string) => ({
  MaximumRetryAttempts: 2,
  DestinationConfig: {
    OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queuePrefix}`), 'Arn'] } },
  },
});

describe('alerts that cannot be lost', () => {
  it('park a notification the notifier failed three times in a queue (Lambda on-failure destination)', () => {
    dev.observability.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionId(dev.observability, 'notifier') },
      Qualifier: '$LATEST',
      ...onFailureTo('ParkedAlertsQueue'),
    });
  });

  it('park notifications SNS could not hand to Lambda in the same queue (subscription DLQ)', () => {
    dev.observability.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ParkedAlertsQueue'), 'Arn'] },
      },
    });
  });

  it('alarm on the first parked notification', () => {
    const parked = alarm(dev.observability, 'MarketData-dev-Observability', 'AlertsParked');
    expect(parked).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [expect.stringMatching(/^ParkedAlertsQueue/), 'QueueName'] },
        },
      ],
    });
    expect(parked?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
  });

  it('alarm when the notifier counts the placeholder webhook, on the metric it emits', () => {
    const unset = alarm(dev.observability, 'MarketData-dev-Observability', 'DiscordWebhookUnset');
    expect(unset).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(unset?.Metrics[0].MetricStat).toMatchObject({
      Metric: {
        Namespace: 'MarketData',
        MetricName: 'DiscordWebhookUnset',
        Dimensions: [{ Name: 'service', Value: 'market-data-dev' }],
      },
      Period: 300,
      Stat: 'Sum',
    });
  });

  it('warn in a stack output that alerts need the webhook URL', () => {
    dev.observability.hasOutput('DiscordWebhookWarning', {
      Value: Match.stringLikeRegexp('^WARNING: the Discord webhook secret is created with a placeholder'),
    });
  });

  it('subscribe no e-mail address unless one is configured', () => {
    dev.observability.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
    prod.observability.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 0);
  });

  it('subscribe the configured e-mail address to the alarm topic as a second channel', () => {
    withEmail.observability.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmTopic') },
    });
    withEmail.observability.hasOutput('DiscordWebhookWarning', {
      Value: Match.stringLikeRegexp('only ops@example.com'),
    });
  });

  it('refuse an alertEmail that is not an address, saying how to pass one', () => {
    expect(() => loadStageConfig('dev', undefined, { alertEmail: 'ops' })).toThrow(StageConfigError);
    expect(() => loadStageConfig('dev', undefined, { alertEmail: 'ops' })).toThrow(
      /-c alertEmail=ops@example\.com/,
    );
  });
});

describe('work that silently stops', () => {
  it.each(['collect', 'backfill', 'freshness', 'reaper'])(
    'parks a %s invocation that failed three times in the FailedInvocations queue',
    (name) => {
      dev.pipeline.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: functionId(dev.pipeline, name) },
        ...onFailureTo('FailedInvocationsQueue'),
      });
    },
  );

  it('configures no destination for the queue consumers, whose failures the queues keep', () => {
    dev.pipeline.resourceCountIs('AWS::Lambda::EventInvokeConfig', 4);
  });

  it('alarms on the first parked invocation', () => {
    const failed = alarm(dev.observability, 'MarketData-dev-Observability', 'InvocationsFailed');
    expect(failed).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    expect(JSON.stringify(failed?.Dimensions)).toMatch(/FailedInvocationsQueue/);
  });

  it.each([
    ['dev', dev],
    ['prod', prod],
  ] as const)(
    'on %s, alarms when the oldest ingest message outlives the longest planned wait plus the configured margin',
    (stage, templates) => {
      const margin = loadStageConfig(stage).ingestQueueAgeMarginMinutes;
      const stalled = alarm(
        templates.observability,
        `MarketData-${stage}-Observability`,
        'IngestQueueStalled',
      );
      expect(stalled).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: MAX_QUEUE_DELAY_SECONDS + margin * 60,
      });
      expect(JSON.stringify(stalled?.Dimensions)).toMatch(/IngestQueue/);
    },
  );
});
