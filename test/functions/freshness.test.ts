import 'aws-sdk-client-mock-vitest/extend';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { listAssets } from '#shared/db/assets.ts';
import { getJob, listJobs, listTasks } from '#shared/db/jobs.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { makeBars } from '#test/support/fixtures.ts';
import { SCHEDULED_EVENTS, scheduledEvent } from './support/aws-events.ts';
import { resetAws, sqs } from './support/aws-mocks.ts';
import { type DiscordWebhook, startDiscordWebhook, type WebhookReply } from './support/discord-webhook.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

/** A Wednesday mid-morning in New York: the last complete NYSE session is the day before. */
const NOW = new Date('2026-01-07T15:00:00Z');
const UNIVERSE_SIZE = 20;

// Tests that store nothing share one database and one warm instance; the others bring their own.
let db: TestDatabase;
let discord: DiscordWebhook;
let fn: LambdaInstance<'freshness'>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  discord = await startDiscordWebhook();
  fn = await coldStart('freshness', { db, discord: discord.url });
});
afterAll(async () => {
  await fn.dispose();
  await discord.stop();
  await db.drop();
  vi.unstubAllEnvs();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW, shouldAdvanceTime: true });
  resetAws();
  discord.clear();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The daily check as EventBridge Scheduler invokes it: payload `{}`, as a JSON string in detail. */
function checkFreshness(instance: LambdaInstance<'freshness'> = fn) {
  return instance.handler(scheduledEvent(SCHEDULED_EVENTS.scheduler, {}), instance.context);
}

/** A database of the test's own and an instance on it, for a test that writes. */
async function ownInstance(
  use: (own: TestDatabase, instance: LambdaInstance<'freshness'>) => Promise<void>,
  env: Record<string, string> = {},
) {
  const own = await createTestDatabase();
  const instance = await coldStart('freshness', { db: own, discord: discord.url, env });
  try {
    await prepareDatabase(own.sql);
    await use(own, instance);
  } finally {
    await instance.dispose();
    await own.drop();
  }
}

describe('freshness function', () => {
  it('reports every active asset stale when nothing is stored, and posts one alert naming the first ten', async () => {
    // Prepare
    const assets = await listAssets(db.sql, { activeOnly: true });

    // Act
    const report = await checkFreshness();

    // Assess
    expect(report).toMatchObject({ ok: 0, stale: UNIVERSE_SIZE, repairJobId: undefined });
    expect(report.stale_assets.map((a) => a.symbol)).toEqual(assets.map((a) => a.symbol));
    const spy = report.stale_assets.find((a) => a.symbol === 'SPY');
    expect(spy).toMatchObject({ latest: null, expected: '2026-01-06', status: 'STALE' });
    expect(discord.posts).toHaveLength(1);
    const [embed] = discord.posts[0]?.body.embeds ?? [];
    expect(embed?.title).toBe(`${UNIVERSE_SIZE} of ${UNIVERSE_SIZE} assets are stale`);
    // Nothing stored anywhere: all equally far behind, so the first ten by symbol.
    const bySymbol = assets.map((a) => a.symbol).sort((a, b) => a.localeCompare(b));
    expect(embed?.fields.map((f) => f.name)).toEqual(bySymbol.slice(0, 10));
    expect(embed?.description).toContain(`${UNIVERSE_SIZE - 10} more are in the log`);
    expect(await listJobs(db.sql)).toEqual([]);
  });

  it('counts an asset whose latest bar is the session its calendar expects as ok', async () => {
    await ownInstance(async (own, instance) => {
      // Prepare
      const [spy] = await listAssets(own.sql, { symbols: ['SPY'] });
      const expected = getCalendar('XNYS').expectedLastSession(NOW);
      await upsertDailyBars(own.sql, makeBars(spy ? [spy] : [], [expected]));

      // Act
      const report = await checkFreshness(instance);

      // Assess
      expect(report).toMatchObject({ ok: 1, stale: UNIVERSE_SIZE - 1 });
      expect(report.stale_assets.map((a) => a.symbol)).not.toContain('SPY');
    });
  });

  it.each<[string, WebhookReply[], number]>([
    ['429 with retry_after, then accepts', [{ status: 429, body: { retry_after: 0.05, global: false } }], 2],
    ['429 three times', Array(3).fill({ status: 429, body: { retry_after: 0.01, global: false } }), 3],
    ['500', [{ status: 500, body: { message: 'Internal Server Error', code: 0 } }], 1],
  ])('succeeds when Discord answers %s', async (_, replies, posts) => {
    // Prepare
    discord.answer(...replies);

    // Act
    const report = await checkFreshness();

    // Assess
    expect(report).toMatchObject({ ok: 0, stale: UNIVERSE_SIZE });
    expect(discord.posts).toHaveLength(posts);
    expect(new Set(discord.posts.map((p) => JSON.stringify(p.body))).size).toBe(1);
  });

  it('starts a repair job for the stale assets when AUTO_REPAIR is on', async () => {
    await ownInstance(
      async (own, instance) => {
        // Act
        const report = await checkFreshness(instance);

        // Assess
        const jobId = report.repairJobId as number;
        expect(await getJob(own.sql, jobId)).toMatchObject({ kind: 'repair', tasksTotal: UNIVERSE_SIZE });
        expect(new Set((await listTasks(own.sql, jobId)).map((t) => t.symbol)).size).toBe(UNIVERSE_SIZE);
        const sent = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
        expect(sent).toHaveLength(UNIVERSE_SIZE);
        expect(discord.posts[0]?.body.embeds[0]?.description).toContain(
          'A repair job has been started for the missing ranges.',
        );
      },
      { AUTO_REPAIR: 'true' },
    );
  });

  it('rejects a payload other than {} with an InputError, checking nothing', async () => {
    // Act
    const invocation = fn.handler(scheduledEvent(SCHEDULED_EVENTS.rule, { calendar: 'XNYS' }), fn.context);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'InputError',
      message: 'freshness: payload: unknown field "calendar"',
    });
    expect(discord.posts).toEqual([]);
  });
});
