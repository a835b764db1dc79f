import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordMessages, size } from '#shared/alerts/discord-message.ts';
import { getCalendar } from '#shared/calendars/index.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { checkFreshness } from '#shared/usecases/freshness.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, NOW, pipelineHarness, useAssets } from './support/harness.ts';

/* 2,000 New York assets, each behind by (its index mod 40) sessions; the expected session is 2025-03-07. */
const ASSETS = 2_000;
const xnys = getCalendar('XNYS');
const sessions = xnys.sessionsBetween('2024-12-01', '2025-03-07').reverse(); // newest first

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  const symbols = Array.from({ length: ASSETS }, (_, i) => `S${String(i).padStart(4, '0')}`);
  const assets = await useAssets(
    db.sql,
    symbols.map((s) => assetConfig(s)),
  );
  await upsertDailyBars(
    db.sql,
    assets.map((a, i) => ({
      assetId: a.id,
      source: 'yahoo',
      sessionDate: sessions[(i % 40) + 1] as string, // 1..40 sessions behind: every asset is stale
      open: 10,
      high: 11,
      low: 9,
      close: 10,
      adjClose: 10,
      volume: 100,
    })),
  );
});
afterAll(async () => {
  await db.drop();
});

describe('The freshness alert for thousands of stale assets', () => {
  it('is one summary Discord message with the count and the assets furthest behind', async () => {
    // Prepare
    const { deps, alerter } = pipelineHarness({ sql: db.sql });

    // Act
    const report = await checkFreshness(deps);

    // Assess
    expect(report.stale).toBe(ASSETS);
    expect(alerter.alerts).toHaveLength(1);
    const [alert] = alerter.alerts;
    expect(alert?.title).toBe(`${ASSETS} of ${ASSETS} assets are stale`);
    const messages = discordMessages(alert ?? { title: '', severity: 'info', description: '' }, NOW);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.embeds.reduce((n, e) => n + size(e), 0)).toBeLessThanOrEqual(6_000);
    // 40 sessions behind: indices 39, 79, ... (S0039, S0079, ...), by symbol.
    expect(alert?.fields?.map((f) => f.name)).toEqual(
      Array.from({ length: 10 }, (_, k) => `S${String(39 + 40 * k).padStart(4, '0')}`),
    );
    expect(alert?.description).toContain('1990 more are in the log');
  });

  it('lists every stale asset in the log, in lines CloudWatch accepts', async () => {
    // Prepare
    const { deps, log } = pipelineHarness({ sql: db.sql });

    // Act
    await checkFreshness(deps);

    // Assess
    const lines = log.entries.filter((e) => e.message === 'stale assets');
    const listed = lines.flatMap((e) => e.context?.assets as string[]);
    expect(listed).toHaveLength(ASSETS);
    expect(new Set(listed.map((a) => a.split(' ')[0])).size).toBe(ASSETS);
    for (const line of lines) expect(JSON.stringify(line).length).toBeLessThan(256 * 1024);
  });
});
