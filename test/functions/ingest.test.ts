import 'aws-sdk-client-mock-vitest/extend';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { pricesChecksum, seedAssets } from '#test/support/fixtures.ts';
import { sqsEvent, taskBody } from './support/aws-events.ts';
import { BUS_NAME, eventBridge, publishedEvents, QUEUE_URL, resetAws, sqs } from './support/aws-mocks.ts';
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

  it('puts a rate-limited message back with a visibility timeout and reports only it as failed', async () => {
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

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: limited.messageId }] });
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(ChangeMessageVisibilityCommand, {
      QueueUrl: QUEUE_URL,
      ReceiptHandle: limited.receiptHandle,
      VisibilityTimeout: 60,
    });
    const bySymbol = new Map((await listTasks(db.sql, job.id)).map((t) => [t.symbol, t]));
    expect(bySymbol.get('XLY')).toMatchObject({ status: 'running', attempts: 1, rowsUpserted: 0 });
    expect(bySymbol.get('XLY')?.error).toMatch(/^rate-limited: .*HTTP 429/);
    expect(bySymbol.get('KRW-BTC')).toMatchObject({ status: 'success', rowsUpserted: 9 });
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'running', finishedAt: null });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('defers a rate-limited message that is the whole batch and reports it, without failing the invocation', async () => {
    // Prepare: every provider request is answered 429 with a minute's Retry-After.
    market.setFaults({ rate429: 1, retryAfterSeconds: 60 });
    const { job, tasks } = await backfillJob(db.sql, ['XLP'], JAN_2024.start, JAN_2024.end);
    const event = sqsEvent(ONE_RECORD, [taskBody(tasks[0] as (typeof tasks)[0])]);

    // Act
    const invocation = ownInstance((instance) => ingest(event, instance));

    // Assess: a deferral is not a Lambda error (it would page the ingest-errors alarm).
    await expect(invocation).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }],
    });
    expect(sqs).toHaveReceivedCommandExactlyOnceWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: event.Records[0]?.receiptHandle,
      VisibilityTimeout: 60,
    });
    const [task] = await listTasks(db.sql, job.id);
    expect(task).toMatchObject({ status: 'running', error: expect.stringMatching(/^rate-limited: /) });
  });

  it('puts back a message that arrives before its stagger slot until its not-before time', async () => {
    // Prepare: XLU may start in 10 minutes (beyond SQS's 15-minute delay cap in a long plan); XLB now.
    const { job, tasks } = await backfillJob(db.sql, ['XLU', 'XLB'], JAN_2024.start, JAN_2024.end);
    const [early, due] = tasks as [(typeof tasks)[0], (typeof tasks)[0]];
    const event = sqsEvent(TWO_RECORDS, [taskBody(early, new Date(Date.now() + 600_000)), taskBody(due)]);
    const requests = market.stats().total;

    // Act
    const result = await ingest(event);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
    const [deferral] = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    expect(deferral).toMatchObject({ QueueUrl: QUEUE_URL, ReceiptHandle: event.Records[0]?.receiptHandle });
    expect(deferral?.VisibilityTimeout).toBeGreaterThanOrEqual(590);
    expect(deferral?.VisibilityTimeout).toBeLessThanOrEqual(600);
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
