import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent, SNSEvent, SQSEvent } from 'aws-lambda';
import { defaultMigrationsDir } from '#shared/db/migrations.ts';
import { hashMigrations } from '#shared/db/migrations-hash.ts';

/** Real event shapes recorded by AWS libraries; they live beside the repository and are read in place. */
const FIXTURES_DIR = join(process.cwd(), '..', 'shared', 'fixtures', 'aws-events');

export function awsEvent<T>(file: string): T {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8')) as T;
}

export const SCHEDULED_EVENTS = {
  /** An EventBridge rule's event: `detail` is an object. */
  rule: 'eventbridge-scheduled-event.aws-lambda-dotnet.json',
  /** EventBridge Scheduler's own event: `detail` is a JSON string. */
  scheduler: 'eventbridge-scheduler-event.aws-lambda-java-libs.json',
} as const;

export interface ScheduledEvent {
  'detail-type': string;
  detail: unknown;
  [key: string]: unknown;
}

/** The fixture with `payload` as its detail, in the fixture's own form (object or JSON string). */
export function scheduledEvent(file: string, payload: object): ScheduledEvent {
  const event = awsEvent<ScheduledEvent>(file);
  return { ...event, detail: typeof event.detail === 'string' ? JSON.stringify(payload) : payload };
}

/**
 * The SQS batch of `file` with its records' bodies replaced by `bodies` (one record each, in order;
 * `undefined` keeps the fixture's own body). Every other field is the fixture's.
 */
export function sqsEvent(file: string, bodies: readonly (string | undefined)[]): SQSEvent {
  const { Records } = awsEvent<SQSEvent>(file);
  if (bodies.length > Records.length) {
    throw new Error(`${file} has ${Records.length} records; cannot carry ${bodies.length} bodies`);
  }
  return {
    Records: bodies.map((body, i) => {
      const record = Records[i] as SQSEvent['Records'][number];
      return { ...record, body: body ?? record.body };
    }),
  };
}

/** The body the fan-out sends for a task. */
export function taskBody(task: { id: number; jobId: number }, notBefore?: Date): string {
  return JSON.stringify({ taskId: task.id, jobId: task.jobId, notBefore: notBefore?.toISOString() });
}

export const CFN_CREATE_EVENTS = [
  'cfn-custom-resource-create.powertools-ts.json',
  'cfn-custom-resource-create.aws-lambda-go.json',
] as const;

/** A CloudFormation request for the custom resource, built from a recorded Create. */
export function cfnEvent(
  type: 'Create' | 'Update' | 'Delete',
  physicalResourceId?: string,
  file: string = CFN_CREATE_EVENTS[0],
): CloudFormationCustomResourceEvent {
  const create = awsEvent<Record<string, unknown>>(file);
  if (type === 'Create') return create as unknown as CloudFormationCustomResourceEvent;
  const extra = type === 'Update' ? { OldResourceProperties: create.ResourceProperties } : {};
  return {
    ...create,
    ...extra,
    RequestType: type,
    PhysicalResourceId: physicalResourceId,
  } as unknown as CloudFormationCustomResourceEvent;
}

/** An SNS delivery to Lambda, in the standard record shape, carrying `message`. */
export function snsEvent(subject: string, message: string): SNSEvent {
  const topicArn = 'arn:aws:sns:us-east-1:123456789012:market-data-dev-alarms';
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: topicArn,
          Subject: subject,
          Message: message,
          Timestamp: '2026-01-02T14:05:07.123Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000.pem',
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** The MigrationsHash a template synthesized from this checkout carries (the test bundle's own). */
export const CURRENT_MIGRATIONS = hashMigrations(defaultMigrationsDir);

/**
 * A request for Custom::SchemaMigration as the stack sends it: the recorded event with MigrationsHash
 * in its properties, and on an Update the hash of the state it changes from.
 */
export function migrationEvent(
  type: 'Create' | 'Update' | 'Delete',
  hashes: { requested?: string; old?: string; physicalId?: string; file?: string } = {},
): CloudFormationCustomResourceEvent {
  const event = cfnEvent(type, hashes.physicalId, hashes.file) as unknown as Record<string, unknown>;
  const withHash = (props: unknown, hash: string | undefined) => ({
    ...(props as object),
    ...(hash === undefined ? {} : { MigrationsHash: hash }),
  });
  return {
    ...event,
    ResourceProperties: withHash(event.ResourceProperties, hashes.requested),
    ...(type === 'Update'
      ? { OldResourceProperties: withHash(event.OldResourceProperties, hashes.old) }
      : {}),
  } as unknown as CloudFormationCustomResourceEvent;
}
