import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { finishTask, getJob, getTask, noteTaskRetry, startTask } from '#shared/db/jobs.ts';
import { deadLetterTask } from '#shared/usecases/dead-letter.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, pipelineHarness, useAssets } from './support/harness.ts';

let db: TestDatabase;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  assets = await useAssets(db.sql, [assetConfig('AAA'), assetConfig('BBB')]);
});
afterAll(async () => {
  await db.drop();
});

const RATE_LIMITED = 'rate-limited: yahoo AAA 2025-01-02..2025-01-31: HTTP 429 Too Many Requests';

describe('deadLetterTask', () => {
  it('fails a running task as dead-lettered, keeping the last error it recorded', async () => {
    // Prepare: a task that was being retried after a rate limit
    const { messages } = await jobOver(db.sql, assets, '2025-01-02', '2025-01-31');
    const message = messages[0] as (typeof messages)[0];
    await startTask(db.sql, message.taskId, message.jobId);
    await noteTaskRetry(db.sql, message.taskId, RATE_LIMITED);
    const { deps, metrics, log } = pipelineHarness({ sql: db.sql });

    // Act
    const ended = await deadLetterTask(deps, message);

    // Assess
    expect(ended).toBe(true);
    expect(await getTask(db.sql, message.taskId)).toMatchObject({
      status: 'failed',
      error:
        "dead-lettered: delivered the queue's maximum number of times without finishing; " +
        `last error: ${RATE_LIMITED}`,
    });
    expect(metrics.totals.get('TasksFailed Reason=dead-letter')).toBe(1);
    expect(log.entries.filter((e) => e.level === 'error').map((e) => e.message)).toEqual([
      'task dead-lettered',
    ]);
  });

  it('fails a task that never recorded an error with the dead-letter reason alone', async () => {
    // Prepare
    const { messages } = await jobOver(db.sql, assets, '2025-01-02', '2025-01-31');
    const message = messages[0] as (typeof messages)[0];
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    await deadLetterTask(deps, message);

    // Assess
    expect((await getTask(db.sql, message.taskId)).error).toBe(
      "dead-lettered: delivered the queue's maximum number of times without finishing",
    );
  });

  it('leaves a task that had already ended as it was', async () => {
    // Prepare: the message's task succeeded before a late duplicate dead-lettered
    const { messages } = await jobOver(db.sql, assets, '2025-01-02', '2025-01-31');
    const message = messages[0] as (typeof messages)[0];
    await startTask(db.sql, message.taskId, message.jobId);
    await finishTask(db.sql, message.taskId, { status: 'success', rowsUpserted: 20 });
    const before = await getTask(db.sql, message.taskId);
    const { deps, events, alerter, metrics } = pipelineHarness({ sql: db.sql });

    // Act
    const ended = await deadLetterTask(deps, message);

    // Assess
    expect(ended).toBe(false);
    expect(await getTask(db.sql, message.taskId)).toEqual(before);
    expect(events.events).toEqual([]);
    expect(alerter.alerts).toEqual([]);
    expect(metrics.get('TasksFailed')).toBe(0);
  });

  it('finishes the job when it was the last task, and announces that once', async () => {
    // Prepare: of two tasks one succeeded; the other dead-letters (twice: SQS may deliver it again)
    const { jobId, messages } = await jobOver(db.sql, assets, '2025-01-02', '2025-01-31');
    const [done, stuck] = messages as [(typeof messages)[0], (typeof messages)[0]];
    await startTask(db.sql, done.taskId, done.jobId);
    await finishTask(db.sql, done.taskId, { status: 'success', rowsUpserted: 20 });
    await startTask(db.sql, stuck.taskId, stuck.jobId);
    const { deps, events, alerter } = pipelineHarness({ sql: db.sql });

    // Act
    const first = await deadLetterTask(deps, stuck);
    const second = await deadLetterTask(deps, stuck);

    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(await getJob(db.sql, jobId)).toMatchObject({
      status: 'partial_failure',
      tasksSucceeded: 1,
      tasksFailed: 1,
    });
    expect(events.ofType('JobFinished').map((e) => e.detail)).toEqual([
      expect.objectContaining({ jobId, status: 'partial_failure', tasksFailed: 1 }),
    ]);
    expect(alerter.alerts.map((a) => a.title)).toEqual([`backfill job ${jobId} ended partial_failure`]);
    expect(alerter.alerts[0]?.fields?.[0]?.value).toMatch(/^dead-lettered: /);
  });
});
