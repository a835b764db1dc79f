import { describe, expect, it } from 'vitest';
import { alarmAlert } from '#shared/alerts/alarm-alert.ts';

/** The message body CloudWatch publishes to SNS when an alarm changes state (fields the alert reads). */
const alarm = {
  AlarmName: 'market-data-prod-ingest-dlq-depth',
  AlarmDescription: 'Messages reached the ingest dead-letter queue',
  AWSAccountId: '123456789012',
  AlarmConfigurationUpdatedTimestamp: '2025-03-01T10:00:00.000+0000',
  NewStateValue: 'ALARM',
  NewStateReason:
    'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (10/03/25 12:00:00)] was greater than or equal to the threshold (1.0).',
  StateChangeTime: '2025-03-10T12:01:00.000+0000',
  Region: 'EU (Frankfurt)',
  AlarmArn: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:market-data-prod-ingest-dlq-depth',
  OldStateValue: 'OK',
  Trigger: { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 1 },
};

describe('alarmAlert', () => {
  it('turns a CloudWatch alarm into an error alert with its reason, time and region', () => {
    // Act
    const result = alarmAlert('ALARM: "market-data-prod-ingest-dlq-depth"', JSON.stringify(alarm));

    // Assess
    expect(result).toEqual({
      title: 'ALARM: market-data-prod-ingest-dlq-depth',
      severity: 'error',
      description: 'Messages reached the ingest dead-letter queue',
      fields: [
        { name: 'Reason', value: alarm.NewStateReason },
        { name: 'Since', value: '2025-03-10T12:01:00.000+0000' },
        { name: 'Region', value: 'EU (Frankfurt)' },
      ],
    });
  });

  it('reports an alarm back to OK as information', () => {
    // Act
    const result = alarmAlert(
      null,
      JSON.stringify({ ...alarm, NewStateValue: 'OK', OldStateValue: 'ALARM' }),
    );

    // Assess
    expect(result).toMatchObject({ title: 'OK: market-data-prod-ingest-dlq-depth', severity: 'info' });
  });

  it('leaves out the fields an alarm does not carry and an empty description', () => {
    // Prepare
    const { AlarmName, NewStateValue, NewStateReason } = alarm;

    // Act
    const result = alarmAlert(
      undefined,
      JSON.stringify({ AlarmName, NewStateValue, NewStateReason, AlarmDescription: null }),
    );

    // Assess
    expect(result).toEqual({
      title: 'ALARM: market-data-prod-ingest-dlq-depth',
      severity: 'error',
      description: '',
      fields: [{ name: 'Reason', value: NewStateReason }],
    });
  });

  it('passes a message that is not JSON on as its raw text under the subject', () => {
    // Act
    const result = alarmAlert('Budget exceeded', 'Your monthly budget of 50 USD was exceeded.');

    // Assess
    expect(result).toEqual({
      title: 'Budget exceeded',
      severity: 'warning',
      description: 'Your monthly budget of 50 USD was exceeded.',
    });
  });

  it('passes JSON that is not an alarm on as raw text, titled Notification without a subject', () => {
    // Prepare
    const message = JSON.stringify({
      source: 'aws.health',
      detail: { eventTypeCode: 'AWS_RDS_MAINTENANCE' },
    });

    // Act
    const result = alarmAlert('', message);

    // Assess
    expect(result).toEqual({ title: 'Notification', severity: 'warning', description: message });
  });

  it('cuts a long raw message to 4,000 characters', () => {
    // Act
    const result = alarmAlert('Long', 'x'.repeat(10_000));

    // Assess
    expect(result.description).toHaveLength(4_000);
  });
});
