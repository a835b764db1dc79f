import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import {
  awsEvent,
  SCHEDULED_EVENTS,
  type ScheduledEvent,
  scheduledEvent,
} from '#test/functions/support/aws-events.ts';
import { eventBridge, resetAws, sqs } from '#test/functions/support/aws-mocks.ts';
import { coldStart, type LambdaInstance } from '#test/functions/support/lambda-harness.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { expectActionableMessage, rejectionOf, tableCounts } from './support/unchanged.ts';

/** Every recorded scheduled event, each exactly as AWS delivers it (detail `{}` or `"{}"`). */
const AS_RECORDED = {
  'EventBridge rule (.NET)': SCHEDULED_EVENTS.rule,
  'EventBridge rule (Java)': 'eventbridge-scheduled-event.aws-lambda-java-libs.json',
  'EventBridge Scheduler': SCHEDULED_EVENTS.scheduler,
} as const;
const EC2_EVENT = 'eventbridge-base-ec2.powertools-ts.json';
const SQS_EVENT = 'sqs-batch-2records.powertools-ts.json';
const TEN_KB = 'x'.repeat(10_240);

/** A recorded scheduled event whose detail is replaced by `detail`, in whatever form it is given. */
const withDetail = (file: string, detail: unknown): ScheduledEvent => ({
  ...awsEvent<ScheduledEvent>(file),
  detail,
});

interface Row {
  name: string;
  event: () => unknown;
  /** The one-line message: it names the field and says what to fix. */
  error: RegExp;
}

const CALENDAR_CHOICES = /calendar: Invalid option: expected one of "XNYS"\|"XKRX"\|"24\/7"$/;
const collectCalendar = new RegExp(`^collect: ${CALENDAR_CHOICES.source}`);

const collectRows: Row[] = [
  ...Object.entries(AS_RECORDED).map(([source, file]) => ({
    name: `the ${source} event as recorded (no calendar)`,
    event: () => awsEvent(file),
    error: collectCalendar,
  })),
  ...[['NYSE'], ['xnys'], [42], [null], [TEN_KB], [['XNYS']]].map(([calendar]) => ({
    name: `calendar ${JSON.stringify(calendar).slice(0, 16)}`,
    event: () => scheduledEvent(SCHEDULED_EVENTS.rule, { calendar }),
    error: collectCalendar,
  })),
  {
    name: 'a wrong calendar in a Scheduler detail string',
    event: () => scheduledEvent(SCHEDULED_EVENTS.scheduler, { calendar: 'KRX' }),
    error: collectCalendar,
  },
  {
    name: 'a detail that is not JSON',
    event: () => withDetail(SCHEDULED_EVENTS.scheduler, '{calendar: XNYS}'),
    error: /^collect: the event's detail is not JSON$/,
  },
  {
    name: 'an empty detail string',
    event: () => withDetail(SCHEDULED_EVENTS.scheduler, ''),
    error: /^collect: the event's detail is not JSON$/,
  },
  {
    name: 'a 10 kB detail that is not JSON',
    event: () => withDetail(SCHEDULED_EVENTS.scheduler, TEN_KB),
    error: /^collect: the event's detail is not JSON$/,
  },
  {
    name: 'a detail that is an array',
    event: () => withDetail(SCHEDULED_EVENTS.rule, [{ calendar: 'XNYS' }]),
    error: /^collect: payload: .*expected object, received array$/,
  },
  {
    name: 'a detail string holding an array',
    event: () => withDetail(SCHEDULED_EVENTS.scheduler, '["XNYS"]'),
    error: /^collect: payload: .*expected object, received array$/,
  },
  {
    name: 'a null detail',
    event: () => withDetail(SCHEDULED_EVENTS.rule, null),
    error: /^collect: payload: .*expected object, received null$/,
  },
  {
    name: 'an extra field beside the calendar',
    event: () => scheduledEvent(SCHEDULED_EVENTS.rule, { calendar: 'XNYS', lookbackSessions: 300 }),
    error: /^collect: payload: unknown field "lookbackSessions"$/,
  },
  {
    name: 'a foreign EventBridge event (EC2 state change)',
    event: () => awsEvent(EC2_EVENT),
    error: collectCalendar,
  },
  {
    name: 'an SQS batch',
    event: () => awsEvent(SQS_EVENT),
    error: collectCalendar,
  },
  { name: 'a null event', event: () => null, error: /^collect: payload: .*expected object, received null$/ },
  // middy hands the handler {} for an undefined event
  { name: 'an undefined event', event: () => undefined, error: collectCalendar },
];

const freshnessRows: Row[] = [
  {
    name: 'a calendar it does not take',
    event: () => scheduledEvent(SCHEDULED_EVENTS.rule, { calendar: 'XNYS' }),
    error: /^freshness: payload: unknown field "calendar"$/,
  },
  {
    name: 'a Scheduler detail that is not JSON',
    event: () => withDetail(SCHEDULED_EVENTS.scheduler, '{'),
    error: /^freshness: the event's detail is not JSON$/,
  },
  {
    name: 'a detail that is an array',
    event: () => withDetail(SCHEDULED_EVENTS.scheduler, '[]'),
    error: /^freshness: payload: .*expected object, received array$/,
  },
  {
    name: 'a foreign EventBridge event (EC2 state change)',
    event: () => awsEvent(EC2_EVENT),
    error: /^freshness: payload: unknown fields "instance_id", "state"$/,
  },
  {
    name: 'an SQS batch',
    event: () => awsEvent(SQS_EVENT),
    error: /^freshness: payload: unknown field "Records"$/,
  },
  {
    name: 'a null event',
    event: () => null,
    error: /^freshness: payload: .*expected object, received null$/,
  },
];

/** Rows the code once got wrong (issue 6 bad-input review), kept as regression tests. */
const formerBugs: (Row & { bug: string })[] = [
  {
    bug: 'zod lists every unknown key in full',
    name: 'a 10 kB extra field',
    event: () => scheduledEvent(SCHEDULED_EVENTS.rule, { calendar: 'XNYS', [TEN_KB]: 1 }),
    error: /^collect: payload: unknown field "x+/,
  },
];

let db: TestDatabase;
let collect: LambdaInstance<'collect'>;
let freshness: LambdaInstance<'freshness'>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  collect = await coldStart('collect', { db });
  freshness = await coldStart('freshness', { db });
});
afterAll(async () => {
  await Promise.all([collect.dispose(), freshness.dispose()]);
  await db.drop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  resetAws();
});

/** Invokes `instance` with `event` and proves it failed with a one-line InputError, changing nothing. */
async function expectRefused(
  instance: LambdaInstance<'collect'> | LambdaInstance<'freshness'>,
  event: unknown,
  error: RegExp,
): Promise<void> {
  // Prepare
  const before = await tableCounts(db.sql);

  // Act
  const refusal = await rejectionOf(instance.handler(event as never, instance.context));

  // Assess
  expect(refusal.name).toBe('InputError');
  expectActionableMessage(refusal.message, error);
  expect(await tableCounts(db.sql)).toEqual(before);
  expect(sqs).not.toHaveReceivedAnyCommand();
  expect(eventBridge).not.toHaveReceivedAnyCommand();
}

describe('the collect function refuses events it cannot act on', () => {
  it.each(collectRows)(
    'refuses $name with a one-line InputError and plans nothing',
    async ({ event, error }) => {
      await expectRefused(collect, event(), error);
    },
  );

  it.each(formerBugs)(
    'refuses $name with a bounded one-line InputError (once a bug: $bug)',
    async ({ event, error }) => {
      await expectRefused(collect, event(), error);
    },
  );
});

describe('the freshness function and its events', () => {
  it.each(Object.entries(AS_RECORDED))(
    'runs the check for the %s event as recorded, and writes and sends nothing',
    async (_, file) => {
      // Prepare
      const before = await tableCounts(db.sql);

      // Act
      const report = await freshness.handler(awsEvent(file), freshness.context);

      // Assess
      expect(report.ok + report.stale).toBeGreaterThan(0);
      expect(report.repairJobId).toBeUndefined();
      expect(await tableCounts(db.sql)).toEqual(before);
      expect(sqs).not.toHaveReceivedAnyCommand();
    },
  );

  it.each(freshnessRows)(
    'refuses $name with a one-line InputError and checks nothing',
    async ({ event, error }) => {
      await expectRefused(freshness, event(), error);
    },
  );
});
