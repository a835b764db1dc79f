import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { type Asset, getAsset } from '#shared/db/assets.ts';
import { countStoredBars } from '#shared/db/coverage.ts';
import { getTask } from '#shared/db/jobs.ts';
import { listQualityFlags, recordQualityFlags } from '#shared/db/quality-flags.ts';
import {
  type MarketServer,
  type MarketServerOptions,
  startMarketServer,
} from '#shared/market-server/index.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';
import { checkFreshness } from '#shared/usecases/freshness.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';
import { storedBars } from './support/stored.ts';

const START = '2025-02-03';
const END = '2025-03-07';
const LISTED = '2025-02-10';

let db: TestDatabase;
const servers: MarketServer[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await db.drop();
});

async function serverWith(options: MarketServerOptions = {}): Promise<MarketServer> {
  const server = await startMarketServer({ seed: 5, now: () => NOW.getTime(), ...options });
  servers.push(server);
  return server;
}

async function only(config: AssetConfig): Promise<Asset> {
  const [asset] = await useAssets(db.sql, [config]);
  if (!asset) throw new Error(`asset ${config.symbol} was not stored`);
  return asset;
}

async function ingest(server: MarketServer, asset: Asset, start = START, end = END) {
  const job = await jobOver(db.sql, [asset], start, end);
  const harness = pipelineHarness({ sql: db.sql, server });
  const message = job.messages[0] as (typeof job.messages)[0];
  return { result: await ingestTask(harness.deps, message, 1), harness, taskId: message.taskId };
}

describe('listing dates', () => {
  it('stores Yahoo’s first session and flags no gap before it, clearing older gap flags there', async () => {
    // Prepare
    const asset = await only(assetConfig('LST'));
    await recordQualityFlags(db.sql, [
      { assetId: asset.id, sessionDate: '1997-03-03', kind: 'gap', reason: 'old' },
    ]);

    // Act
    await ingest(await serverWith({ historyStart: LISTED }), asset);

    // Assess
    expect((await getAsset(db.sql, asset.id)).listedOn).toBe(LISTED);
    expect(await listQualityFlags(db.sql, { symbol: 'LST', kind: 'gap' })).toEqual([]);
  });

  it('learns an Upbit market’s first day from its oldest candle', async () => {
    // Prepare
    const asset = await only(
      assetConfig('KRW-LST', { provider: 'upbit', calendar: '24/7', category: 'crypto', currency: 'KRW' }),
    );

    // Act
    await ingest(await serverWith({ historyStart: LISTED }), asset);

    // Assess
    expect((await getAsset(db.sql, asset.id)).listedOn).toBe(LISTED);
    expect(await listQualityFlags(db.sql, { symbol: 'KRW-LST', kind: 'gap' })).toEqual([]);
  });

  it('plans nothing before the listing with skipExisting once the listed history is stored', async () => {
    // Prepare
    const asset = await only(assetConfig('LSP'));
    await ingest(await serverWith({ historyStart: LISTED }), asset, '2025-01-01', END);
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const plan = await planBackfill(deps, {
      start: '1996-01-02',
      end: END,
      assets: ['LSP'],
      skipExisting: true,
      dryRun: true,
    });

    // Assess
    expect(plan.tasks).toEqual([]);
  });
});

describe('bars on closed days', () => {
  it('stores no bar for a day the calendar says is closed and records it as a finding with its values', async () => {
    // Prepare: a server that trades New York symbols every day, weekends and Presidents' Day included
    const server = await serverWith({ calendarOf: () => '24/7' });
    const asset = await only(assetConfig('WKD'));

    // Act
    const { taskId } = await ingest(server, asset);

    // Assess
    const sessions = getCalendar('XNYS').sessionsBetween(START, END);
    const stored = await storedBars(db.sql, asset.id);
    expect(stored.map((b) => b.sessionDate)).toEqual(sessions);
    const flags = await listQualityFlags(db.sql, { symbol: 'WKD', kind: 'closed_day_bar' });
    const served = server
      .barsFor('yahoo', 'WKD', START, END)
      .filter((b) => !sessions.includes(b.sessionDate));
    expect(flags.map((f) => f.sessionDate).sort()).toEqual(served.map((b) => b.sessionDate));
    const holiday = flags.find((f) => f.sessionDate === '2025-02-17');
    // Its values as they would have been stored: as traded, so without the provider's adjusted close.
    expect(holiday?.detail).toEqual({
      ...served.find((b) => b.sessionDate === '2025-02-17'),
      adjClose: null,
    });
    expect((await getTask(db.sql, taskId)).warnings).toContainEqual(
      expect.stringMatching(/bars on closed days not stored/),
    );
  });

  it('does not count a closed-day bar as coverage, so a missing session is fetched again', async () => {
    // Prepare: every bar of a month stored from an every-day server, then one real session lost
    const asset = await only(assetConfig('WKE'));
    await ingest(await serverWith({ calendarOf: () => '24/7' }), asset);
    await db.sql`DELETE FROM prices_daily WHERE asset_id = ${asset.id} AND session_date = '2025-02-20'`;
    const { deps } = pipelineHarness({ sql: db.sql });

    // Act
    const plan = await planBackfill(deps, {
      start: START,
      end: END,
      assets: ['WKE'],
      skipExisting: true,
      dryRun: true,
    });

    // Assess
    const sessions = getCalendar('XNYS').sessionsBetween(START, END).length;
    expect(await countStoredBars(db.sql, [{ assetId: asset.id, start: START, end: END }])).toEqual([
      sessions - 1,
    ]);
    expect(plan.tasks).toHaveLength(1);
  });
});

describe('delisting', () => {
  it('marks a long-known symbol the provider calls delisted instead of failing, and freshness reports it apart', async () => {
    // Prepare
    const asset = await only(assetConfig('DLS'));
    await ingest(await serverWith(), asset, START, '2025-02-28');
    const gone = await serverWith({ missingSymbols: ['DLS'] });

    // Act
    const { result, harness, taskId } = await ingest(gone, asset, '2025-02-28', END);
    const freshness = await checkFreshness(harness.deps);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'success', rows: 0 });
    expect((await getTask(db.sql, taskId)).warnings).toEqual([
      expect.stringMatching(/^suspected delisted: /),
    ]);
    expect(await listQualityFlags(db.sql, { symbol: 'DLS', kind: 'suspected_delisted' })).toHaveLength(1);
    expect((await getAsset(db.sql, asset.id)).delistingSuspectedAt).toBeInstanceOf(Date);
    expect(freshness).toMatchObject({ stale: 0, suspectedDelisted: 1 });
    expect(freshness.assets).toEqual([
      expect.objectContaining({ symbol: 'DLS', status: 'SUSPECTED_DELISTED' }),
    ]);
    expect(harness.alerter.alerts.filter((a) => /stale/.test(a.title))).toEqual([]);
  });

  it('lifts the suspicion when the symbol answers with bars again', async () => {
    // Prepare
    const asset = await only(assetConfig('DLB'));
    await ingest(await serverWith(), asset, START, '2025-02-28');
    await ingest(await serverWith({ missingSymbols: ['DLB'] }), asset, '2025-02-28', END);

    // Act
    await ingest(await serverWith(), asset, '2025-02-28', END);

    // Assess
    expect((await getAsset(db.sql, asset.id)).delistingSuspectedAt).toBeNull();
    expect(await listQualityFlags(db.sql, { symbol: 'DLB', kind: 'suspected_delisted' })).toEqual([]);
  });
});
