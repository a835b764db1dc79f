import 'aws-sdk-client-mock-vitest/extend';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listAssets } from '#shared/db/assets.ts';
import { getJob, listJobs, listTasks } from '#shared/db/jobs.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { awsEvent, SCHEDULED_EVENTS, scheduledEvent } from './support/aws-events.ts';
import { QUEUE_URL, resetAws, sqs } from './support/aws-mocks.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

/** A Wednesday mid-morning in New York: the last complete NYSE session is the day before. */
const NOW = new Date('2026-01-07T15:00:00Z');
/** The 7 NYSE sessions up to 2026-01-06 (Christmas Day and New Year's Day are holidays). */
const WINDOW = { start: '2025-12-26', end: '2026-01-06' };

// One database and one warm instance for the file, as Lambda reuses an instance between invocations.
let db: TestDatabase;
let fn: LambdaInstance<'collect'>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  fn = await coldStart('collect', { db });
});
afterAll(async () => {
  await fn.dispose();
  await db.drop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW, shouldAdvanceTime: true });
  resetAws();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('collect function', () => {
  it.each(Object.entries(SCHEDULED_EVENTS))(
    'plans a scheduled XNYS job with one task per active NYSE asset when invoked by an EventBridge %s',
    async (_, fixture) => {
      // Prepare
      const xnys = await listAssets(db.sql, { activeOnly: true, calendar: 'XNYS' });

      // Act
      const result = await fn.handler(scheduledEvent(fixture, { calendar: 'XNYS' }), fn.context);

      // Assess
      const job = await getJob(db.sql, result.jobId);
      expect(job).toMatchObject({
        kind: 'scheduled',
        market: 'XNYS',
        status: 'pending',
        tasksTotal: xnys.length,
        assets: xnys.map((a) => a.symbol),
        rangeStart: WINDOW.start,
        rangeEnd: WINDOW.end,
      });
      expect(result).toMatchObject({ calendar: 'XNYS', ...WINDOW, tasks: xnys.length });
      const tasks = await listTasks(db.sql, job.id);
      expect(tasks.map((t) => t.symbol)).toEqual(xnys.map((a) => a.symbol));
      expect(result.fanOut).toMatchObject({ sent: xnys.length, failed: 0 });
    },
  );

  it('sends every task to the ingest queue in batches of at most 10, each delayed at most 15 minutes', async () => {
    // Prepare
    const event = scheduledEvent(SCHEDULED_EVENTS.scheduler, { calendar: 'XNYS' });

    // Act
    const { jobId } = await fn.handler(event, fn.context);

    // Assess
    const tasks = await listTasks(db.sql, jobId);
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(Math.ceil(tasks.length / 10));
    for (const call of calls) expect(call.Entries?.length).toBeLessThanOrEqual(10);
    const entries = calls.flatMap((c) => c.Entries ?? []);
    const bodies = entries.map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(bodies.sort((a, b) => a.taskId - b.taskId)).toEqual(
      tasks
        .map((t) => ({ taskId: t.id, jobId, notBefore: expect.any(String) }))
        .sort((a, b) => a.taskId - b.taskId),
    );
    for (const body of bodies) expect(new Date(body.notBefore).toISOString()).toBe(body.notBefore);
    for (const entry of entries) {
      expect(entry.DelaySeconds).toBeGreaterThanOrEqual(0);
      expect(entry.DelaySeconds).toBeLessThanOrEqual(900);
    }
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: QUEUE_URL,
      Entries: expect.arrayContaining([
        expect.objectContaining({ Id: String(tasks[0]?.id), DelaySeconds: expect.any(Number) }),
      ]),
    });
  });

  it.each(Object.entries(SCHEDULED_EVENTS))(
    'rejects the EventBridge %s fixture as recorded (no calendar) with an InputError naming calendar, writing nothing',
    async (_, fixture) => {
      // Prepare
      const event = awsEvent<object>(fixture);
      const jobs = await listJobs(db.sql);

      // Act
      const invocation = fn.handler(event, fn.context);

      // Assess
      await expect(invocation).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(/^collect: calendar: /),
      });
      expect(await listJobs(db.sql)).toEqual(jobs);
      expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    },
  );
});
