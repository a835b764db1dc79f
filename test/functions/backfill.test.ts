import 'aws-sdk-client-mock-vitest/extend';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getJob, listJobs, listTasks } from '#shared/db/jobs.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { QUEUE_URL, resetAws, sqs } from './support/aws-mocks.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

// One database and one warm instance for the file, as Lambda reuses an instance between invocations.
let db: TestDatabase;
let fn: LambdaInstance<'backfill'>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  fn = await coldStart('backfill', { db });
});
afterAll(async () => {
  await fn.dispose();
  await db.drop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  resetAws();
});

/** Q1 2024 on the NYSE: 21 + 20 + 20 sessions (New Year, MLK Day, Presidents' Day, Good Friday off). */
const Q1_2024_SESSIONS = 61;
/** Q1 2024 on a 24/7 market: 31 + 29 + 31 days. */
const Q1_2024_DAYS = 91;

describe('backfill function', () => {
  it('records a job with one task for SPY over Q1 2024 and sends it to the ingest queue', async () => {
    // Prepare
    const request = { start: '2024-01-01', end: '2024-03-31', assets: ['SPY'] };

    // Act
    const result = await fn.handler(request, fn.context);

    // Assess
    expect(result).toMatchObject({
      jobId: expect.any(Number),
      dryRun: false,
      skipped: 0,
      tasks: [{ symbol: 'SPY', start: '2024-01-01', end: '2024-03-31', sessions: Q1_2024_SESSIONS }],
      fanOut: { sent: 1, failed: 0 },
    });
    const jobId = result.jobId as number;
    expect(await getJob(db.sql, jobId)).toMatchObject({
      kind: 'backfill',
      status: 'pending',
      rangeStart: '2024-01-01',
      rangeEnd: '2024-03-31',
      assets: ['SPY'],
      tasksTotal: 1,
    });
    const [task] = await listTasks(db.sql, jobId);
    expect(task).toMatchObject({ symbol: 'SPY', rangeStart: '2024-01-01', rangeEnd: '2024-03-31' });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: QUEUE_URL,
      Entries: [{ Id: String(task?.id), MessageBody: expect.any(String), DelaySeconds: 0 }],
    });
    const body = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.MessageBody;
    expect(JSON.parse(body ?? '')).toEqual({ taskId: task?.id, jobId, notBefore: expect.any(String) });
  });

  it.each([
    [
      'an end before its start',
      { start: '2024-02-01', end: '2024-01-01' },
      'backfill: end 2024-01-01 is before start 2024-02-01',
    ],
    [
      'an asset the universe does not have',
      { start: '2024-01-01', end: '2024-03-31', assets: ['SPY', 'NOPE'] },
      'backfill: unknown asset "NOPE"; add it to the universe first',
    ],
    [
      'a field it does not know',
      { start: '2024-01-01', end: '2024-03-31', asset: ['SPY'] },
      'backfill: request: unknown field "asset"',
    ],
  ])('rejects %s with a one-line InputError, recording and sending nothing', async (_, request, message) => {
    // Prepare
    const jobs = await listJobs(db.sql);

    // Act
    const invocation = fn.handler(request, fn.context);

    // Assess
    await expect(invocation).rejects.toMatchObject({ name: 'InputError', message });
    expect(await listJobs(db.sql)).toEqual(jobs);
    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it('returns the plan of a dry run without recording or sending anything', async () => {
    // Prepare
    const request = { start: '2024-01-01', end: '2024-03-31', assets: ['SPY', 'KRW-BTC'], dryRun: true };
    const jobs = await listJobs(db.sql);

    // Act
    const result = await fn.handler(request, fn.context);

    // Assess
    expect(result).toEqual({
      jobId: null,
      dryRun: true,
      skipped: 0,
      tasks: [
        expect.objectContaining({
          symbol: 'KRW-BTC',
          start: '2024-01-01',
          end: '2024-03-31',
          sessions: Q1_2024_DAYS,
        }),
        expect.objectContaining({
          symbol: 'SPY',
          start: '2024-01-01',
          end: '2024-03-31',
          sessions: Q1_2024_SESSIONS,
        }),
      ],
    });
    expect(await listJobs(db.sql)).toEqual(jobs);
    expect(sqs).not.toHaveReceivedAnyCommand();
  });
});
