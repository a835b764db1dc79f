import 'aws-sdk-client-mock-vitest/extend';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ChangeMessageVisibilityCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import { rateLimitWaits } from '#shared/db/task-waits.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { pricesChecksum, seedAssets } from '#test/support/fixtures.ts';
import { sqsEvent, taskBody } from './support/aws-events.ts';
import {
  BUS_NAME,
  eventBridge,
  publishedEvents,
  QUEUE_URL,
  resetAws,
  secrets,
  sqs,
} from './support/aws-mocks.ts';
import { type DiscordWebhook, startDiscordWebhook } from './support/discord-webhook.ts';
import { backfillJob } from './support/jobs.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

/** The first record of a batch alone; and two records with distinct receipt handles (body 1: not JSON). */
const ONE_RECORD = 'sqs-batch-sampleSQSEvent.powertools-ts.json';
const TWO_RECORDS = 'sqs-batch-2records.powertools-ts.json';
/** January 2024 on the NYSE: 21 sessions (New Year's Day and MLK Day off). */
const JAN_2024 = { start: '2024-01-02', end: '2024-01-31', sessions: 21 } as const;

// One database, market server, webhook and warm instance for the file; each test ingests symbols of its
// own. Tests that change what a cold start holds (a provider's rate budget, the universe) bring their own.
let db: TestDatabase;
let market: MarketServer;
let discord: DiscordWebhook;
let fn: LambdaInstance<'ingest'>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  market = await startMarketServer({ missingSymbols: ['XLE'] });
  discord = await startDiscordWebhook();
  fn = await coldStart('ingest', { db, market, discord: discord.url });
});
afterAll(async () => {
  await fn.dispose();
  await Promise.all([market.stop(), discord.stop()]);
  await db.drop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  resetAws();
  discord.clear();
  market.setFaults({ rate429: 0, retryAfterSeconds: 1, failingSymbols: {} });
});

function ingest(event: SQSEvent, instance: LambdaInstance<'ingest'> = fn) {
  return instance.handler(event, instance.context);
}

/** A cold instance of the test's own, on `database`: a 429 holds back its Yahoo budget for a minute. */
async function ownInstance<T>(
  use: (instance: LambdaInstance<'ingest'>) => Promise<T>,
  database: TestDatabase = db,
): Promise<T> {
  const instance = await coldStart('ingest', { db: database, market, discord: discord.url });
  try {
    return await use(instance);
  } finally {
    await instance.dispose();
  }
}

describe('ingest function', () => {
  it("stores a task's bars, ends the task and its job, and publishes JobFinished", async () => {
    // Prepare
    const { job, tasks } = await backfillJob(db.sql, ['SPY'], JAN_2024.start, JAN_2024.end);
    const served = market.barsFor('yahoo', 'SPY', JAN_2024.start, JAN_2024.end);
    const before = await pricesChecksum(db.sql);

    // Act
    const result = await ingest(
      sqsEvent(
        ONE_RECORD,
        tasks.map((t) => taskBody(t)),
      ),
    );

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(served).toHaveLength(JAN_2024.sessions);
    expect((await pricesChecksum(db.sql)).rows - before.rows).toBe(JAN_2024.sessions);
    expect(await listTasks(db.sql, job.id)).toEqual([
      expect.objectContaining({
        status: 'success',
        attempts: 1,
        rowsUpserted: JAN_2024.sessions,
        error: null,
      }),
    ]);
    expect(await getJob(db.sql, job.id)).toMatchObject({
      status: 'success',
      tasksSucceeded: 1,
      rowsUpserted: JAN_2024.sessions,
    });
    expect(publishedEvents()).toEqual([
      {
        bus: BUS_NAME,
        source: 'market-data',
        type: 'JobFinished',
        detail: {
          jobId: job.id,
          kind: 'backfill',
          status: 'success',
          tasksTotal: 1,
          tasksSucceeded: 1,
          tasksFailed: 0,
          rowsUpserted: JAN_2024.sessions,
        },
      },
    ]);
    expect(discord.posts).toEqual([]);
  });

  it('announces MarketSessionComplete for each session every active asset of the market now has', async () => {
    // Prepare: a universe of one NYSE asset, T0000, so its bars alone complete the sessions.
    const universe = await createTestDatabase();
    onTestFinished(() => universe.drop());
    await seedAssets(universe.sql, 1);
    const { job, tasks } = await backfillJob(universe.sql, ['T0000'], '2024-01-02', '2024-01-05');
    const event = sqsEvent(
      ONE_RECORD,
      tasks.map((t) => taskBody(t)),
    );

    // Act
    await ownInstance((instance) => ingest(event, instance), universe);

    // Assess
    const events = publishedEvents();
    expect(events[0]).toMatchObject({ type: 'JobFinished', detail: { jobId: job.id, status: 'success' } });
    expect(events.slice(1).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'].map((sessionDate) => ({
        bus: BUS_NAME,
        source: 'market-data',
        type: 'MarketSessionComplete',
        detail: { market: 'XNYS', sessionDate, assets: 1 },
      })),
    );
  });

  it('reports exactly the record whose body is not a task message as a batch item failure', async () => {
    // Prepare
    const { job, tasks } = await backfillJob(db.sql, ['XLK'], JAN_2024.start, JAN_2024.end);
    const event = sqsEvent(TWO_RECORDS, [undefined, taskBody(tasks[0] as (typeof tasks)[0])]);

    // Act
    const result = await ingest(event);

    // Assess
    expect(event.Records[0]?.body).toBe('Test message.');
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'success', tasksSucceeded: 1 });
  });

  it('re-sends a rate-limited message as a new delayed message and acknowledges the original', async () => {
    // Prepare: Yahoo answers XLY with its 429, asking for a minute; Upbit answers KRW-BTC.
    market.setFaults({ failingSymbols: { XLY: 429 }, retryAfterSeconds: 60 });
    const { job, tasks } = await backfillJob(db.sql, ['XLY', 'KRW-BTC'], '2024-01-02', '2024-01-10');
    const event = sqsEvent(
      TWO_RECORDS,
      tasks.map((t) => taskBody(t)),
    );
    const limited = event.Records[0] as SQSEvent['Records'][number];

    // Act
    const result = await ownInstance((instance) => ingest(event, instance));

    // Assess: the wait uses up no receive of the original message (it is acknowledged).
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(SendMessageCommand, {
      QueueUrl: QUEUE_URL,
      MessageBody: limited.body,
      DelaySeconds: 60,
    });
    expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
    const bySymbol = new Map((await listTasks(db.sql, job.id)).map((t) => [t.symbol, t]));
    expect(bySymbol.get('XLY')).toMatchObject({ status: 'running', attempts: 1, rowsUpserted: 0 });
    expect(bySymbol.get('XLY')?.error).toMatch(/^rate-limited: .*HTTP 429/);
    expect(bySymbol.get('KRW-BTC')).toMatchObject({ status: 'success', rowsUpserted: 9 });
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'running', finishedAt: null });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('records on the task which provider it waits for and until when', async () => {
    // Prepare: every provider request is answered 429 with a minute's Retry-After.
    market.setFaults({ rate429: 1, retryAfterSeconds: 60 });
    const { job, tasks } = await backfillJob(db.sql, ['XLP'], JAN_2024.start, JAN_2024.end);
    const event = sqsEvent(ONE_RECORD, [taskBody(tasks[0] as (typeof tasks)[0])]);
    const before = new Date();

    // Act
    const invocation = ownInstance((instance) => ingest(event, instance));

    // Assess: a deferral is not a Lambda error (it would page the ingest-errors alarm).
    await expect(invocation).resolves.toEqual({ batchItemFailures: [] });
    const [wait] = await rateLimitWaits(db.sql, [job.id], before);
    expect(wait).toMatchObject({
      provider: 'yahoo',
      tasks: 1,
      reason: expect.stringMatching(/^rate-limited: /),
    });
    expect(wait?.until.getTime()).toBeGreaterThanOrEqual(before.getTime() + 60_000);
  });

  it('fails the task once it has waited out rate limits for longer than the budget, without a Lambda error', async () => {
    // Prepare: the task has been throttled since three hours ago (the budget is two).
    market.setFaults({ failingSymbols: { XLRE: 429 }, retryAfterSeconds: 60 });
    const { job, tasks } = await backfillJob(db.sql, ['XLRE'], JAN_2024.start, JAN_2024.end);
    const task = tasks[0] as (typeof tasks)[0];
    await db.sql`UPDATE job_tasks SET throttled_since = now() - interval '3 hours' WHERE id = ${task.id}`;

    // Act
    const result = await ownInstance((instance) => ingest(sqsEvent(ONE_RECORD, [taskBody(task)]), instance));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    const [failed] = await listTasks(db.sql, job.id);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed?.error).toMatch(
      /^rate-limited: .*HTTP 429.*rate-limited for 180 min: the budget of 120 min is spent/,
    );
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'failure', tasksFailed: 1 });
  });

  it('re-sends a message that arrives before its stagger slot, due at its not-before time', async () => {
    // Prepare: XLU may start in 10 minutes (beyond SQS's 15-minute delay cap in a long plan); XLB now.
    const { job, tasks } = await backfillJob(db.sql, ['XLU', 'XLB'], JAN_2024.start, JAN_2024.end);
    const [early, due] = tasks as [(typeof tasks)[0], (typeof tasks)[0]];
    const event = sqsEvent(TWO_RECORDS, [taskBody(early, new Date(Date.now() + 600_000)), taskBody(due)]);
    const requests = market.stats().total;

    // Act
    const result = await ingest(event);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const [resent] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(resent).toMatchObject({ QueueUrl: QUEUE_URL, MessageBody: event.Records[0]?.body });
    expect(resent?.DelaySeconds).toBeGreaterThanOrEqual(590);
    expect(resent?.DelaySeconds).toBeLessThanOrEqual(600);
    const bySymbol = new Map((await listTasks(db.sql, job.id)).map((t) => [t.symbol, t]));
    expect(bySymbol.get('XLU')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(bySymbol.get('XLB')).toMatchObject({ status: 'success' });
    // XLB's bars and, first collected, its action history; nothing for XLU.
    expect(market.stats().total).toBe(requests + 2);
  });

  it('fails the task of a missing symbol with a readable reason, acks it, and alerts once', async () => {
    // Prepare
    const { job, tasks } = await backfillJob(db.sql, ['XLV', 'XLE'], JAN_2024.start, JAN_2024.end);
    const event = sqsEvent(
      TWO_RECORDS,
      tasks.map((t) => taskBody(t)),
    );

    // Act
    const result = await ingest(event);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const xle = (await listTasks(db.sql, job.id)).find((t) => t.symbol === 'XLE');
    expect(xle).toMatchObject({ status: 'failed', rowsUpserted: 0 });
    expect(xle?.error).toMatch(/^not-found: .*XLE.*No data found/);
    const finished = await getJob(db.sql, job.id);
    expect(finished).toMatchObject({ status: 'partial_failure', tasksSucceeded: 1, tasksFailed: 1 });
    expect(finished.errorSummary?.failures).toEqual([
      { symbol: 'XLE', start: JAN_2024.start, end: JAN_2024.end, error: xle?.error },
    ]);
    expect(publishedEvents()).toEqual([
      expect.objectContaining({
        type: 'JobFinished',
        detail: expect.objectContaining({ status: 'partial_failure' }),
      }),
    ]);
    expect(discord.posts).toHaveLength(1);
    expect(discord.posts[0]?.path).toBe('/api/v10/webhooks/1234567890/test-token');
    expect(discord.posts[0]?.body.embeds).toEqual([
      expect.objectContaining({
        title: `backfill job ${job.id} ended partial_failure`,
        fields: [{ name: `XLE ${JAN_2024.start}..${JAN_2024.end}`, value: xle?.error, inline: false }],
      }),
    ]);
  });

  it('skips a message delivered a second time, leaving the stored bars exactly as they were', async () => {
    // Prepare
    const { job, tasks } = await backfillJob(db.sql, ['XLF'], JAN_2024.start, JAN_2024.end);
    const event = sqsEvent(
      ONE_RECORD,
      tasks.map((t) => taskBody(t)),
    );
    await ingest(event);
    const stored = await pricesChecksum(db.sql);
    const requests = market.stats().total;

    // Act
    const again = await ingest(event);

    // Assess
    expect(again).toEqual({ batchItemFailures: [] });
    expect(await pricesChecksum(db.sql)).toEqual(stored);
    expect(market.stats().total).toBe(requests);
    expect(await listTasks(db.sql, job.id)).toEqual([
      expect.objectContaining({ status: 'success', attempts: 1 }),
    ]);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });
});

describe('ingest function failures', () => {
  /** What the instance logged as failed records and counted in RecordsFailed, by reason. */
  function watch(instance: LambdaInstance<'ingest'>) {
    const errors = vi.spyOn(instance.observability.log, 'error');
    const counted = vi.spyOn(instance.observability.emfMetrics, 'add');
    onTestFinished(() => {
      errors.mockRestore();
      counted.mockRestore();
    });
    return {
      failures: () => errors.mock.calls.filter(([message]) => message.startsWith('ingest: message failed')),
      reasons: () =>
        counted.mock.calls.filter(([name]) => name === 'RecordsFailed').map(([, , dims]) => dims?.Reason),
    };
  }

  it("changes nothing for a message naming another job's task, and logs and counts it as poison", async () => {
    // Prepare: job A's task, named in a message of job B; beside it, job B's own task.
    const a = await backfillJob(db.sql, ['XLI'], JAN_2024.start, JAN_2024.end);
    const b = await backfillJob(db.sql, ['XLC'], JAN_2024.start, JAN_2024.end);
    const taskA = a.tasks[0] as (typeof a.tasks)[0];
    const taskB = b.tasks[0] as (typeof b.tasks)[0];
    const event = sqsEvent(TWO_RECORDS, [taskBody({ id: taskA.id, jobId: b.job.id }), taskBody(taskB)]);
    const seen = watch(fn);
    const before = await listTasks(db.sql, a.job.id);

    // Act
    const result = await ingest(event);

    // Assess
    const wrong = event.Records[0] as SQSEvent['Records'][number];
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: wrong.messageId }] });
    expect(await listTasks(db.sql, a.job.id)).toEqual(before);
    expect(await getJob(db.sql, a.job.id)).toMatchObject({ status: 'pending', startedAt: null });
    expect(await getJob(db.sql, b.job.id)).toMatchObject({ status: 'success', tasksSucceeded: 1 });
    expect(seen.failures()).toEqual([
      [
        'ingest: message failed (wrong-job)',
        {
          messageId: wrong.messageId,
          taskId: taskA.id,
          receiveCount: 1,
          errorName: 'PoisonMessageError',
          error: `ingest: task ${taskA.id} belongs to job ${a.job.id}, not to job ${b.job.id}; nothing changed`,
        },
      ],
    ]);
    expect(seen.reasons()).toEqual(['wrong-job']);
  });

  it('fails the invocation when every record of the batch failed, logging each record', async () => {
    // Prepare: a task that does not exist, and a body that is not a task message.
    const event = sqsEvent(TWO_RECORDS, [taskBody({ id: 999_999, jobId: 1 }), 'Test message.']);
    const seen = watch(fn);

    // Act
    const invocation = ingest(event);

    // Assess
    await expect(invocation).rejects.toThrow(/ingest: all 2 records of the batch failed/);
    // Records are processed in parallel: compare as sets.
    expect(
      seen
        .failures()
        .map(([, context]) => context?.messageId)
        .sort(),
    ).toEqual(event.Records.map((r) => r.messageId).sort());
    expect(seen.reasons().sort()).toEqual(['unknown-task', 'unreadable']);
  });

  it('logs and fails the invocation when the database secret cannot be read', async () => {
    // Prepare: a cold instance whose database secret is denied.
    const instance = await coldStart('ingest', { market, discord: discord.url });
    onTestFinished(() => instance.dispose());
    const denied = Object.assign(
      new Error('User is not authorized to perform secretsmanager:GetSecretValue'),
      {
        name: 'AccessDeniedException',
      },
    );
    secrets.on(GetSecretValueCommand, { SecretId: process.env.DB_SECRET_ARN }).rejects(denied);
    const { tasks } = await backfillJob(db.sql, ['XLI'], '2024-02-01', '2024-02-29');
    const event = sqsEvent(ONE_RECORD, [taskBody(tasks[0] as (typeof tasks)[0])]);
    const seen = watch(instance);

    // Act
    const invocation = ingest(event, instance);

    // Assess
    await expect(invocation).rejects.toThrow(/all 1 records of the batch failed/);
    expect(seen.failures()).toEqual([
      [
        'ingest: message failed (error)',
        expect.objectContaining({ messageId: event.Records[0]?.messageId, receiveCount: 1 }),
      ],
    ]);
    expect(seen.failures()[0]?.[1]?.error).toMatch(/not authorized/);
    expect(seen.reasons()).toEqual(['error']);
  });

  it('logs and fails the invocation when the database refuses connections', async () => {
    // Prepare: a cold instance whose database secret points at a port nothing listens on.
    const down = { url: 'postgres://market:secret@127.0.0.1:9/market' } as TestDatabase;
    const instance = await coldStart('ingest', { db: down, market, discord: discord.url });
    onTestFinished(() => instance.dispose());
    const event = sqsEvent(ONE_RECORD, [taskBody({ id: 1, jobId: 1 })]);
    const seen = watch(instance);

    // Act
    const invocation = ingest(event, instance);

    // Assess
    await expect(invocation).rejects.toThrow(/all 1 records of the batch failed/);
    expect(seen.failures()).toEqual([
      [
        'ingest: message failed (error)',
        expect.objectContaining({ messageId: event.Records[0]?.messageId, taskId: 1, receiveCount: 1 }),
      ],
    ]);
    expect(seen.failures()[0]?.[1]?.error).not.toContain('secret');
    expect(seen.reasons()).toEqual(['error']);
  });

  it('reports a deferral SQS refused to re-send as failed and logged, so the original comes back', async () => {
    // Prepare: XLB's message is 10 minutes early; SQS refuses the re-send.
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'RequestThrottled' });
    sqs.on(SendMessageCommand).rejects(throttled);
    const { job, tasks } = await backfillJob(db.sql, ['XLB'], '2024-03-01', '2024-03-28');
    const event = sqsEvent(ONE_RECORD, [
      taskBody(tasks[0] as (typeof tasks)[0], new Date(Date.now() + 600_000)),
    ]);
    const seen = watch(fn);

    // Act
    const invocation = ingest(event);

    // Assess: a lone record that failed is a failed invocation; the task was not touched.
    await expect(invocation).rejects.toThrow(/all 1 records of the batch failed/);
    expect(seen.failures()).toEqual([
      [
        'ingest: message failed (error)',
        expect.objectContaining({ messageId: event.Records[0]?.messageId, errorName: 'RequestThrottled' }),
      ],
    ]);
    expect(await listTasks(db.sql, job.id)).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 0 }),
    ]);
  });

  it('retries a chunk answered with no bars for sessions the calendar has, and fails it on the last attempt', async () => {
    // Prepare: a Yahoo that answers a listed symbol with a 200 chart without timestamps (its first
    // trade date long before January 2024); beside it, an Upbit task with bars. The empty one arrives
    // for the 4th time (maxAttempts).
    const late = await startMarketServer({ faults: { hostile: 'noBars' } });
    onTestFinished(() => late.stop());
    const { job, tasks } = await backfillJob(db.sql, ['XLI', 'KRW-ETH'], JAN_2024.start, JAN_2024.end);
    const event = sqsEvent(
      TWO_RECORDS,
      tasks.map((t) => taskBody(t)),
    );
    const empty = event.Records[0] as SQSEvent['Records'][number];
    const first = { ...event, Records: [{ ...empty, attributes: { ...empty.attributes } }] };
    const last = {
      Records: [
        { ...empty, attributes: { ...empty.attributes, ApproximateReceiveCount: '4' } },
        event.Records[1] as SQSEvent['Records'][number],
      ],
    };
    const instance = await coldStart('ingest', {
      db,
      market: late,
      discord: discord.url,
      env: { UPBIT_BASE_URL: market.upbitBaseUrl },
    });
    onTestFinished(() => instance.dispose());

    // Act
    const retried = await ingest(first, instance);
    const running = await listTasks(db.sql, job.id);
    const ended = await ingest(last, instance);

    // Assess: first a deliberate retry (not a Lambda error), then a failed task and a partial job.
    expect(retried).toEqual({ batchItemFailures: [{ itemIdentifier: empty.messageId }] });
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: empty.receiptHandle,
    });
    expect(running.find((t) => t.symbol === 'XLI')).toMatchObject({ status: 'running' });
    expect(ended).toEqual({ batchItemFailures: [] });
    const xli = (await listTasks(db.sql, job.id)).find((t) => t.symbol === 'XLI');
    expect(xli).toMatchObject({ status: 'failed', rowsUpserted: 0 });
    expect(xli?.error).toMatch(
      /^failed: yahoo XLI 2024-01-02..2024-01-31: the provider answered no bars for 21 sessions the calendar has .*gave up after 4 attempts/,
    );
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'partial_failure', tasksFailed: 1 });
    expect(discord.posts.map((p) => p.body.embeds[0]?.title)).toEqual([
      `backfill job ${job.id} ended partial_failure`,
    ]);
  });
});
