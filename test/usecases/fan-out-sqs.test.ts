import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqsTaskQueue } from '#shared/aws/sqs-task-queue.ts';
import { getTask } from '#shared/db/jobs.ts';
import { fanOutTasks } from '#shared/usecases/fan-out.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, pipelineHarness, useAssets } from './support/harness.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/market-data-test-ingest';
const sqs = mockClient(SQSClient);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
beforeEach(() => {
  sqs.reset();
});
afterAll(async () => {
  sqs.restore();
  await db.drop();
});

/** A job of three Yahoo tasks, fanned out through the SQS adapter to the mocked client. */
async function fanOutThree() {
  const assets = await useAssets(
    db.sql,
    ['AAA', 'BBB', 'CCC'].map((s) => assetConfig(s)),
  );
  const job = await jobOver(db.sql, assets, '2025-03-03', '2025-03-07');
  const harness = pipelineHarness({ sql: db.sql, queue: createSqsTaskQueue(new SQSClient({}), QUEUE_URL) });
  const [sender, server, fine] = job.tasks.map((t) => String(t.id)) as [string, string, string];
  return { job, harness, assets, sender, server, fine };
}

const accepted = (ids: string[]) => ids.map((Id) => ({ Id, MessageId: randomUUID(), MD5OfMessageBody: '' }));

describe('Fan-out through SQS', () => {
  it('retries only the entries SQS refused without a sender fault, and records each code', async () => {
    // Prepare
    const { job, harness, assets, sender, server, fine } = await fanOutThree();
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: accepted([fine]),
        Failed: [
          {
            Id: sender,
            SenderFault: true,
            Code: 'InvalidParameterValue',
            Message: 'DelaySeconds is invalid',
          },
          { Id: server, SenderFault: false, Code: 'InternalError', Message: 'try again' },
        ],
      })
      .resolves({
        Successful: [],
        Failed: [{ Id: server, SenderFault: false, Code: 'ServiceUnavailable', Message: 'still down' }],
      });

    // Act
    const result = await fanOutTasks(harness.deps, job.jobId, job.tasks, assets);

    // Assess
    const calls = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.map((e) => e.Id));
    expect(calls).toEqual([[sender, server, fine], [server]]);
    expect(result).toMatchObject({ sent: 1, failed: 2 });
    expect(await getTask(db.sql, Number(sender))).toMatchObject({
      status: 'failed',
      error:
        "could not enqueue the task: the queue rejected it as the sender's fault, not retried (InvalidParameterValue: DelaySeconds is invalid)",
    });
    expect(await getTask(db.sql, Number(server))).toMatchObject({
      status: 'failed',
      error: 'could not enqueue the task: the queue rejected it twice (ServiceUnavailable: still down)',
    });
    expect(
      harness.log.entries.filter((e) => e.message === 'task not enqueued').map((e) => e.context?.code),
    ).toEqual(expect.arrayContaining(['InvalidParameterValue', 'ServiceUnavailable']));
    expect(harness.metrics.get('TasksFailed')).toBe(2);
  });

  it('does not resend a batch the SDK refused as a client fault, and records the error name', async () => {
    // Prepare
    const { job, harness, assets } = await fanOutThree();
    sqs.on(SendMessageBatchCommand).rejects(
      new SQSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'not allowed',
      }),
    );

    // Act
    const result = await fanOutTasks(harness.deps, job.jobId, job.tasks, assets);

    // Assess
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(result).toMatchObject({ sent: 0, failed: 3 });
    expect((await getTask(db.sql, job.tasks[0]?.id ?? 0)).error).toBe(
      "could not enqueue the task: the queue rejected it as the sender's fault, not retried (AccessDenied: not allowed)",
    );
  });
});
