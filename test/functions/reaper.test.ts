import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob, listTasks, startTask } from '#shared/db/jobs.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { SCHEDULED_EVENTS, scheduledEvent } from './support/aws-events.ts';
import { resetAws } from './support/aws-mocks.ts';
import { type DiscordWebhook, startDiscordWebhook } from './support/discord-webhook.ts';
import { backfillJob } from './support/jobs.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

let db: TestDatabase;
let discord: DiscordWebhook;
let fn: LambdaInstance<'reaper'>;
beforeAll(async () => {
  resetAws();
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  discord = await startDiscordWebhook();
  fn = await coldStart('reaper', { db, discord: discord.url });
});
afterAll(async () => {
  await fn.dispose();
  await discord.stop();
  await db.drop();
});

describe('reaper function', () => {
  it('ends a job whose fan-out crashed, on the scheduler event, and alerts with the retry command', async () => {
    // Prepare: a job recorded two hours ago whose messages were never sent, beside one that runs
    const { job: stuck } = await backfillJob(db.sql, ['SPY', 'XLK'], '2025-01-02', '2025-01-31');
    await db.sql`UPDATE job_tasks SET created_at = now() - interval '2 hours', updated_at = now() - interval '2 hours'
                 WHERE job_id = ${stuck.id}`;
    const { job: live, tasks } = await backfillJob(db.sql, ['XLV'], '2025-01-02', '2025-01-31');
    await startTask(db.sql, tasks[0]?.id as number, live.id);

    // Act
    const result = await fn.handler(scheduledEvent(SCHEDULED_EVENTS.scheduler, {}), fn.context);

    // Assess
    expect(result).toEqual({ runningReaped: 0, pendingReaped: 2, finishedJobIds: [stuck.id] });
    expect((await getJob(db.sql, stuck.id)).status).toBe('failure');
    expect((await listTasks(db.sql, stuck.id)).map((t) => t.error)).toEqual([
      'reaped: not started 75 min after its planned slot (its message was never sent or was lost)',
      'reaped: not started 75 min after its planned slot (its message was never sent or was lost)',
    ]);
    expect((await getJob(db.sql, live.id)).status).toBe('running');
    expect(discord.posts).toHaveLength(1);
    expect(JSON.stringify(discord.posts[0]?.body)).toContain(`backfill --retry-failed ${stuck.id}`);
  });

  it('refuses a payload it does not know', async () => {
    // Act, Assess
    await expect(
      fn.handler(scheduledEvent(SCHEDULED_EVENTS.scheduler, { olderThan: 0 }), fn.context),
    ).rejects.toThrow(/^reaper: /);
  });
});
