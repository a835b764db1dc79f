import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Asset } from '#shared/db/assets.ts';
import { createJob } from '#shared/db/jobs.ts';
import { listRevisions } from '#shared/db/price-revisions.ts';
import { listQualityFlags } from '#shared/db/quality-flags.ts';
import {
  type MarketServer,
  type MarketServerOptions,
  startMarketServer,
} from '#shared/market-server/index.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';
import { storedBars } from './support/stored.ts';

const START = '2025-02-03';
const END = '2025-03-07';
const SEED = 23;

let db: TestDatabase;
const servers: MarketServer[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await db.drop();
});

/** A market server on the shared seed: the same prices everywhere except what `options` change. */
async function serverWith(options: MarketServerOptions = {}): Promise<MarketServer> {
  const server = await startMarketServer({ seed: SEED, now: () => NOW.getTime(), ...options });
  servers.push(server);
  return server;
}

/** Ingests one new task over [start, end] for `asset` from `server`, as a fresh job. */
async function ingest(server: MarketServer, asset: Asset, start = START, end = END) {
  const job = await jobOver(db.sql, [asset], start, end);
  const harness = pipelineHarness({ sql: db.sql, server });
  const message = job.messages[0] as (typeof job.messages)[0];
  const result = await ingestTask(harness.deps, message, 1);
  return { job, result, harness, taskId: message.taskId };
}

async function assetNamed(symbol: string): Promise<Asset> {
  const [asset] = await useAssets(db.sql, [assetConfig(symbol)]);
  if (!asset) throw new Error(`asset ${symbol} was not stored`);
  return asset;
}

describe('revisions of stored bars through ingest', () => {
  it('records a provider’s correction of one bar as exactly one revision, with its job and task', async () => {
    // Prepare
    const asset = await assetNamed('COR');
    await ingest(await serverWith(), asset);
    const corrected = await serverWith({
      corrections: [{ symbol: 'COR', session: '2025-02-20', field: 'volume', factor: 1.25 }],
    });

    // Act
    const { job, taskId, harness } = await ingest(corrected, asset);

    // Assess
    const revisions = await listRevisions(db.sql, { symbols: ['COR'] });
    const served = corrected.barsFor('yahoo', 'COR', '2025-02-20', '2025-02-20')[0];
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({
      sessionDate: '2025-02-20',
      cause: 'revision',
      jobId: job.jobId,
      taskId,
      new: { volume: served?.volume, close: served?.close },
    });
    expect(revisions[0]?.old.volume).toBeCloseTo((served?.volume ?? 0) / 1.25, -1);
    expect(harness.metrics.get('BarsRevised')).toBe(1);
  });

  it('logs nothing when the same bars are delivered again', async () => {
    // Prepare
    const asset = await assetNamed('RED');
    const server = await serverWith();
    await ingest(server, asset);

    // Act
    await ingest(server, asset);

    // Assess
    expect(await listRevisions(db.sql, { symbols: ['RED'] })).toEqual([]);
  });

  it('retries instead of restating when the refresh reveals the split that re-based the history', async () => {
    // Prepare: a month stored as traded; then a 2:1 split after the range, which the re-fetch's own
    // events do not list (they cover the fetched range only) but the complete action history does
    const asset = await assetNamed('SPL');
    await ingest(await serverWith(), asset);
    const before = await storedBars(db.sql, asset.id);
    const split = await serverWith({
      corporateActions: [
        { symbol: 'SPL', kind: 'split', exDate: '2025-03-10', numerator: 2, denominator: 1 },
      ],
    });
    const job = await jobOver(db.sql, [asset], '2025-02-24', END);
    const message = job.messages[0] as (typeof job.messages)[0];
    const { deps } = pipelineHarness({ sql: db.sql, server: split });

    // Act
    const first = await ingestTask(deps, message, 1);
    const second = await ingestTask(deps, message, 2);

    // Assess: the first delivery learnt the split and asked to be retried; the retry stored nothing new
    expect(first).toMatchObject({
      kind: 'retry',
      reason: expect.stringMatching(/split unknown until now \(2:1 on 2025-03-10\)/),
    });
    expect(second).toMatchObject({ kind: 'done', status: 'success' });
    expect(await storedBars(db.sql, asset.id)).toEqual(before);
    expect(await listRevisions(db.sql, { symbols: ['SPL'] })).toEqual([]);
    expect(await listQualityFlags(db.sql, { symbol: 'SPL', kind: 'rebased' })).toEqual([]);
  });

  it('restates a re-based history once when two chunks of one job each see the re-basing', async () => {
    // Prepare: a month stored; then one job whose two chunks, oldest first, are fetched on a halved basis
    // (the older chunk restates what came before it; the newer one then meets the older one's new bars)
    const asset = await assetNamed('TWO');
    await ingest(await serverWith(), asset);
    const rebased = await serverWith({ priceJumps: [{ symbol: 'TWO', from: '2000-01-03', factor: 0.5 }] });
    const { job, tasks } = await createJob(db.sql, {
      kind: 'backfill',
      rangeStart: START,
      rangeEnd: END,
      assets: [asset.symbol],
      request: { start: START, end: END },
      tasks: [
        { assetId: asset.id, rangeStart: START, rangeEnd: '2025-02-21' },
        { assetId: asset.id, rangeStart: '2025-02-24', rangeEnd: END },
      ],
    });
    const { deps } = pipelineHarness({ sql: db.sql, server: rebased });

    // Act
    for (const task of tasks) await ingestTask(deps, { taskId: task.id, jobId: job.id }, 1);

    // Assess: every bar on the new basis exactly once (the newer chunk did not halve the older one's)
    const stored = await storedBars(db.sql, asset.id);
    const expected = rebased.barsFor('yahoo', 'TWO', START, END);
    expect(stored.map((b) => [b.sessionDate, b.close])).toEqual(
      expected.map((b) => [b.sessionDate, b.close]),
    );
  });

  it('flags a re-based history no known split explains, refreshes the actions and restates every bar through revisions', async () => {
    // Prepare: a month stored, then a re-fetch of its last two weeks on a basis halved by an unseen 2:1 split
    const asset = await assetNamed('REB');
    await ingest(await serverWith(), asset);
    const rebased = await serverWith({ priceJumps: [{ symbol: 'REB', from: '2000-01-03', factor: 0.5 }] });

    // Act
    const { result } = await ingest(rebased, asset, '2025-02-24', END);

    // Assess
    const stored = await storedBars(db.sql, asset.id);
    const expected = rebased.barsFor('yahoo', 'REB', START, END);
    expect(result).toMatchObject({ kind: 'done', status: 'success' });
    // The daily fetch, and the refresh of the asset's complete action history the re-basing asked for.
    expect(rebased.stats().byRoute['yahoo-chart']).toEqual({ '200': 2 });
    const [flag] = await listQualityFlags(db.sql, { symbol: 'REB', kind: 'rebased' });
    expect(flag).toMatchObject({ sessionDate: END, detail: { numerator: 2, denominator: 1 } });
    expect(await listQualityFlags(db.sql, { symbol: 'REB', kind: 'large_move' })).toEqual([]);
    expect(stored.map((b) => b.sessionDate)).toEqual(expected.map((b) => b.sessionDate));
    stored.forEach((bar, i) => {
      expect(bar.close / (expected[i]?.close ?? 1)).toBeCloseTo(1, 3);
    });
    const revisions = await listRevisions(db.sql, { symbols: ['REB'], limit: 1_000 });
    expect(revisions).toHaveLength(stored.length);
    expect(new Set(revisions.map((r) => r.cause))).toEqual(new Set(['rebase']));
  });
});
