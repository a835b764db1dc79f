import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTask } from '#shared/db/jobs.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { TaskDeadlineError } from '#shared/usecases/task-deadline.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 5, now: () => NOW.getTime() });
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

describe('The per-task deadline', () => {
  it('gives a task whose provider never answers back to redelivery, logged, counted and noted', async () => {
    // Prepare: the provider accepts the request and never answers; the provider's own timeout is long
    const [asset] = await useAssets(db.sql, [assetConfig('STUCK')]);
    const job = await jobOver(db.sql, asset ? [asset] : [], '2025-03-03', '2025-03-07');
    const message = job.messages[0] as (typeof job.messages)[0];
    const { deps, log, metrics } = pipelineHarness({
      sql: db.sql,
      server,
      settings: { taskDeadlineMs: 500 },
    });
    server.setFaults({ hangRate: 1 });

    // Act
    const stuck = ingestTask(deps, message, 1);

    // Assess
    await expect(stuck).rejects.toThrow(TaskDeadlineError);
    await expect(stuck).rejects.toThrow(/task \d+ of job \d+ ran past its 500 ms deadline/);
    expect(metrics.get('TaskDeadlineExceeded')).toBe(1);
    expect(log.entries.find((e) => e.message === 'task deadline passed')?.context).toMatchObject({
      taskId: message.taskId,
      deadlineMs: 500,
    });
    const task = await getTask(db.sql, message.taskId);
    expect(task.status).toBe('running'); // not ended: the redelivered message runs it again
    expect(task.error).toMatch(/ran past its 500 ms deadline/);
  });

  it('lets the redelivered message of a task that ran past its deadline finish it', async () => {
    // Prepare
    const [asset] = await useAssets(db.sql, [assetConfig('AGAIN')]);
    const job = await jobOver(db.sql, asset ? [asset] : [], '2025-03-03', '2025-03-07');
    const message = job.messages[0] as (typeof job.messages)[0];
    const { deps } = pipelineHarness({ sql: db.sql, server, settings: { taskDeadlineMs: 500 } });
    server.setFaults({ hangRate: 1 });
    await expect(ingestTask(deps, message, 1)).rejects.toThrow(TaskDeadlineError);
    server.setFaults({ hangRate: 0 });

    // Act
    const redelivered = await ingestTask(
      { ...deps, settings: { ...deps.settings, taskDeadlineMs: 30_000 } },
      message,
      2,
    );

    // Assess
    expect(redelivered).toMatchObject({ kind: 'done', status: 'success', rows: 5 });
  });
});
