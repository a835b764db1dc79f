import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { lambdaEnv } from '#shared/aws/lambda-env.ts';
import { deployedEnvOf, envKeysOf, templatesOf } from './cdk-app.ts';

const dev = templatesOf('dev');
const prod = templatesOf('prod');

const topicRef = { Ref: Match.stringLikeRegexp('^AlarmTopic') };

describe('alarm topic', () => {
  it('is encrypted in prod with a KMS key that CloudWatch may use, and refuses requests without TLS', () => {
    prod.observability.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] },
    });
    prod.observability.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt']),
          }),
        ]),
      },
    });
    for (const { observability } of [dev, prod]) {
      observability.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('has no key of its own in dev, where alarmTopicKey is off to keep the bill under $25', () => {
    dev.observability.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
    dev.observability.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('is subscribed by the notifier, which sees only the Discord secret and runs outside the VPC', () => {
    dev.observability.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: topicRef,
    });
    const [notifier] = Object.values(
      dev.observability.findResources('AWS::Lambda::Function', {
        Properties: { FunctionName: 'market-data-dev-notifier' },
      }),
    );
    expect(Object.keys(notifier?.Properties.Environment.Variables)).toContain('DISCORD_WEBHOOK_SECRET_ARN');
    expect(Object.keys(notifier?.Properties.Environment.Variables)).not.toContain('DB_SECRET_ARN');
    expect(notifier?.Properties.VpcConfig).toBeUndefined();
  });

  it('gives the notifier every environment variable its handler validates at cold start', () => {
    const keys = envKeysOf('notifier');
    expect(keys).toContain('DISCORD_WEBHOOK_SECRET_ARN');
    expect(() =>
      lambdaEnv(keys as never, deployedEnvOf(dev.observability, 'market-data-dev-notifier')),
    ).not.toThrow();
  });
});

describe('alarms', () => {
  /** Alarms by the metric they watch, whether rendered as MetricName or (labelled) as Metrics[0]. */
  const alarmsOn = (metricName: string) =>
    Object.values(dev.observability.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((p) => (p.MetricName ?? p.Metrics?.[0]?.MetricStat?.Metric?.MetricName) === metricName);

  it.each([
    ['the DLQ is not drained', 'ApproximateNumberOfMessagesVisible'],
    ['a function fails', 'Errors'],
    ['assets are stale', 'StaleAssets'],
    ['the reaper ended tasks', 'TasksReaped'],
    ['corporate-action refreshes fail', 'ActionRefreshesFailed'],
    ['a task runs past its deadline', 'TaskDeadlineExceeded'],
    ['the database runs out of storage', 'FreeStorageSpace'],
  ])('notify the topic when %s', (_, metricName) => {
    const alarms = alarmsOn(metricName);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms)
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
  });

  it('watch errors of ingest, collect, dlq, freshness and the reaper', () => {
    const names = alarmsOn('Errors').map((a) => a.AlarmName);
    for (const fn of ['Ingest', 'Collect', 'Dlq', 'Freshness', 'Reaper'])
      expect(names).toContain(`MarketData-dev-Observability-${fn}Errors`);
  });

  it('watch the stale-asset metric with the service dimension Powertools adds', () => {
    const [alarm] = alarmsOn('StaleAssets');
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
    expect(alarm?.Metrics[0].MetricStat.Metric).toEqual({
      Namespace: 'MarketData',
      MetricName: 'StaleAssets',
      Dimensions: [{ Name: 'service', Value: 'market-data-dev' }],
    });
  });

  it.each([
    ['RecordsFailed', 'Reason', ['unreadable', 'unknown-task', 'wrong-job', 'error']],
    ['AnnouncementsFailed', 'Status', ['partial_failure', 'failure']],
  ])('page on the first %s within five minutes, summed over every %s', (metricName, dimension, values) => {
    const [alarm] = Object.values(dev.observability.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((p) => p.AlarmName === `MarketData-dev-Observability-${metricName}`);
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(alarm?.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
    const queries: { Expression?: string; MetricStat?: { Metric: unknown; Period: number; Stat: string } }[] =
      alarm?.Metrics;
    expect(queries.find((q) => q.Expression)?.Expression).toBe(
      `SUM([${values.map((_, i) => `FILL(m${i}, 0)`).join(', ')}])`,
    );
    const stats = queries.flatMap((q) => (q.MetricStat ? [q.MetricStat] : []));
    expect(stats.map((m) => m.Metric)).toEqual(
      values.map((value) => ({
        Namespace: 'MarketData',
        MetricName: metricName,
        Dimensions: expect.arrayContaining([
          { Name: 'service', Value: 'market-data-dev' },
          { Name: dimension, Value: value },
        ]),
      })),
    );
    expect(stats.every((m) => m.Period === 300 && m.Stat === 'Sum')).toBe(true);
  });

  it('fire on the first reaped task, on the metric the reaper emits with the service dimension', () => {
    const [alarm] = alarmsOn('TasksReaped');
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
    expect(alarm?.Metrics[0].MetricStat.Metric).toEqual({
      Namespace: 'MarketData',
      MetricName: 'TasksReaped',
      Dimensions: [{ Name: 'service', Value: 'market-data-dev' }],
    });
  });

  it.each([
    ['ActionRefreshesFailed', 5, [{ Name: 'Provider', Value: 'yahoo' }]],
    ['TaskDeadlineExceeded', 1, []],
  ])('watch %s, as the use cases emit it, from %i an hour', (metricName, threshold, dimensions) => {
    const [alarm] = alarmsOn(metricName);
    expect(alarm).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: threshold,
    });
    expect(alarm?.Metrics[0].MetricStat).toMatchObject({ Period: 3600, Stat: 'Sum' });
    expect(alarm?.Metrics[0].MetricStat.Metric).toEqual({
      Namespace: 'MarketData',
      MetricName: metricName,
      Dimensions: expect.arrayContaining([{ Name: 'service', Value: 'market-data-dev' }, ...dimensions]),
    });
  });

  it('fire on free storage below 20 % of the allocation', () => {
    dev.observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FreeStorageSpace',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 20 * 1024 ** 3 * 0.2,
    });
  });
});

describe('dashboard', () => {
  /** The metric lines of every widget, with CloudFormation tokens (names, region) replaced by "TOKEN". */
  const metricLines = (): unknown[][] => {
    const [dashboard] = Object.values(dev.observability.findResources('AWS::CloudWatch::Dashboard'));
    const parts: unknown[] = dashboard?.Properties.DashboardBody['Fn::Join'][1];
    const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
    return body.widgets.flatMap((w: { properties: { metrics?: unknown[][] } }) => w.properties.metrics ?? []);
  };
  /** The dimensions of a metric line ["Namespace", "Name", key, value, ..., {options}?] as an object. */
  const dimensionsOf = (line: unknown[]) => {
    const pairs = line.slice(2).filter((x) => typeof x === 'string');
    return Object.fromEntries(pairs.flatMap((_, i) => (i % 2 === 0 ? [[pairs[i], pairs[i + 1]]] : [])));
  };

  it('shows every pipeline metric under the service dimension, per provider and status', () => {
    const app = metricLines().filter((line) => line[0] === 'MarketData');
    const names = new Set(app.map((line) => line[1]));
    for (const metric of ['RowsIngested', 'JobsFinished', 'TasksFailed', 'TasksRateLimited', 'StaleAssets']) {
      expect(names).toContain(metric);
    }
    for (const line of app) expect(dimensionsOf(line)).toMatchObject({ service: 'market-data-dev' });
    expect(app.map(dimensionsOf)).toEqual(
      expect.arrayContaining([
        { service: 'market-data-dev', Provider: 'yahoo' },
        { service: 'market-data-dev', Provider: 'upbit' },
        { service: 'market-data-dev', Status: 'partial_failure' },
      ]),
    );
  });

  it('shows the queues, the functions and the database', () => {
    const names = new Set(metricLines().map((line) => `${line[0]} ${line[1]}`));
    for (const metric of [
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/SQS ApproximateAgeOfOldestMessage',
      'AWS/Lambda Errors',
      'AWS/Lambda Throttles',
      'AWS/Lambda Duration',
      'AWS/RDS CPUUtilization',
      'AWS/RDS DatabaseConnections',
      'AWS/RDS FreeStorageSpace',
    ]) {
      expect(names).toContain(metric);
    }
  });

  it('shows the depth of every queue an alarm watches, the parked alerts and failed invocations too', () => {
    const labels = metricLines()
      .filter((line) => line[1] === 'ApproximateNumberOfMessagesVisible')
      .map((line) => (line.at(-1) as { label?: string }).label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'ingest visible',
        'DLQ',
        'scheduler DLQ',
        'failed invocations',
        'parked alerts',
      ]),
    );
  });
});
