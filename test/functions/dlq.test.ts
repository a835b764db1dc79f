import 'aws-sdk-client-mock-vitest/extend';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  claimJobAnnouncement,
  finishTask,
  getJob,
  listJobs,
  listTasks,
  noteTaskRetry,
  startTask,
} from '#shared/db/jobs.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { sqsEvent, taskBody } from './support/aws-events.ts';
import { eventBridge, publishedEvents, resetAws, sqs } from './support/aws-mocks.ts';
import { type DiscordWebhook, startDiscordWebhook } from './support/discord-webhook.ts';
import { backfillJob } from './support/jobs.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

/** A redriven message as Lambda receives it from the DLQ: message attributes, receive count 2. */
const DLQ_RECORD = 'sqs-event-with-message-attributes.aws-lambda-go.json';
/** Two records whose bodies are not task messages ("Test message." and {"message": "foo1"}). */
const TWO_RECORDS = 'sqs-batch-2records.powertools-ts.json';
const RATE_LIMITED = 'rate-limited: yahoo SPY 2024-01-02..2024-01-31: HTTP 429 Too Many Requests';

// One database and one warm instance for the file; each test works on a job of its own.
let db: TestDatabase;
let discord: DiscordWebhook;
let fn: LambdaInstance<'dlq'>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  discord = await startDiscordWebhook();
  fn = await coldStart('dlq', { db, discord: discord.url });
});
afterAll(async () => {
  await fn.dispose();
  await discord.stop();
  await db.drop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  resetAws();
  discord.clear();
});

const deadLetter = (event: SQSEvent) => fn.handler(event, fn.context);

/** A one-task job whose task ran once and was rate-limited, as it is when its message dead-letters. */
async function strandedJob() {
  const { job, tasks } = await backfillJob(db.sql, ['SPY'], '2024-01-02', '2024-01-31');
  const task = tasks[0] as (typeof tasks)[0];
  await startTask(db.sql, task.id, task.jobId);
  await noteTaskRetry(db.sql, task.id, RATE_LIMITED);
  return { job, task };
}

describe('dlq function', () => {
  it('fails the task of a dead-lettered message, keeping its last error, so its job finishes', async () => {
    // Prepare
    const { job, task } = await strandedJob();

    // Act
    const result = await deadLetter(sqsEvent(DLQ_RECORD, [taskBody(task)]));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await listTasks(db.sql, job.id)).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: `dead-lettered: delivered the queue's maximum number of times without finishing; last error: ${RATE_LIMITED}`,
      }),
    ]);
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'failure', tasksFailed: 1 });
    expect(publishedEvents()).toEqual([
      expect.objectContaining({
        type: 'JobFinished',
        detail: expect.objectContaining({ jobId: job.id, status: 'failure' }),
      }),
    ]);
    expect(discord.posts.map((p) => p.body.embeds[0]?.title)).toEqual([
      `backfill job ${job.id} ended failure`,
    ]);
  });

  it('reports only the record that is not a task message as failed, dead-lettering the task message beside it', async () => {
    // Prepare: the first record keeps its fixture body; the second carries a real task message.
    const { job, task } = await strandedJob();
    const event = sqsEvent(TWO_RECORDS, [undefined, taskBody(task)]);
    const jobsBefore = await listJobs(db.sql);

    // Act
    const result = await deadLetter(event);

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
    expect(await listJobs(db.sql)).toHaveLength(jobsBefore.length);
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'failure', tasksTotal: 1, tasksFailed: 1 });
  });

  it('leaves a task that already ended, of a job already announced, as it is, publishing and alerting nothing', async () => {
    // Prepare: the task succeeded and its job was announced, but its message was dead-lettered all the
    // same (e.g. a lost delete).
    const { job, task } = await strandedJob();
    await finishTask(db.sql, task.id, { status: 'success', rowsUpserted: 21 });
    await claimJobAnnouncement(db.sql, job.id);
    const tasksBefore = await listTasks(db.sql, job.id);

    // Act
    const result = await deadLetter(sqsEvent(DLQ_RECORD, [taskBody(task)]));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await listTasks(db.sql, job.id)).toEqual(tasksBefore);
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'success', tasksSucceeded: 1 });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(discord.posts).toEqual([]);
  });

  it('changes nothing and fails the invocation when no record of the batch is a task message', async () => {
    // Prepare
    const { job } = await strandedJob();
    const tasksBefore = await listTasks(db.sql, job.id);

    // Act
    const event = sqsEvent(TWO_RECORDS, [undefined, undefined]);
    const invocation = deadLetter(event);

    // Assess: both stay in the DLQ (its depth alarm brings a person), and the invocation fails, so the
    // dlq function's error alarm fires too.
    await expect(invocation).rejects.toThrow(/dead-letter: all 2 records of the batch failed/);
    expect(await listTasks(db.sql, job.id)).toEqual(tasksBefore);
    expect(await getJob(db.sql, job.id)).toMatchObject({ status: 'running', finishedAt: null });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(sqs).not.toHaveReceivedAnyCommand();
    expect(discord.posts).toEqual([]);
  });

  it("changes nothing for a dead letter naming another job's task, and logs and counts it as poison", async () => {
    // Prepare: two stranded jobs; the message names job A's task with job B's id.
    const a = await strandedJob();
    const b = await strandedJob();
    const event = sqsEvent(TWO_RECORDS, [taskBody({ id: a.task.id, jobId: b.job.id }), taskBody(b.task)]);
    const before = await listTasks(db.sql, a.job.id);
    const errors = vi.spyOn(fn.observability.log, 'error');
    const counted = vi.spyOn(fn.observability.emfMetrics, 'add');
    onTestFinished(() => {
      errors.mockRestore();
      counted.mockRestore();
    });

    // Act
    const result = await deadLetter(event);

    // Assess: job A's task is untouched; job B's own dead letter is recorded.
    const wrong = event.Records[0] as SQSEvent['Records'][number];
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: wrong.messageId }] });
    expect(await listTasks(db.sql, a.job.id)).toEqual(before);
    expect(await getJob(db.sql, a.job.id)).toMatchObject({ status: 'running', tasksFailed: 0 });
    expect(await getJob(db.sql, b.job.id)).toMatchObject({ status: 'failure', tasksFailed: 1 });
    expect(errors).toHaveBeenCalledWith('dead-letter: message failed (wrong-job)', {
      messageId: wrong.messageId,
      taskId: a.task.id,
      receiveCount: 1,
      errorName: 'PoisonMessageError',
      error: `dlq: task ${a.task.id} belongs to job ${a.job.id}, not to job ${b.job.id}; nothing changed`,
    });
    expect(counted).toHaveBeenCalledWith('RecordsFailed', 1, { Reason: 'wrong-job' });
  });
});
