import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { type Asset, listAssets } from '#shared/db/assets.ts';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import { TallyMetrics } from '#shared/local/adapters.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import type { PipelineDeps } from '#shared/usecases/deps.ts';
import { checkFreshness } from '#shared/usecases/freshness.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { recordingLog } from '#test/support/recording-log.ts';
import { RecordingAlerter } from './support/fakes.ts';
import { NOW } from './support/harness.ts';
import { storeServedBars } from './support/stored.ts';

/** Latest stored session of the assets left behind; every other asset is stored up to its expected one. */
const STALE: Record<string, string | null> = {
  SPY: '2025-03-05',
  'KRW-BTC': '2025-03-06',
  '005930.KS': null,
};
const EXPECTED = { XNYS: '2025-03-07', XKRX: '2025-03-10', '24/7': '2025-03-09' } as const;

let db: TestDatabase;
let server: MarketServer;
let assets: Asset[];
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 13, now: () => NOW.getTime() });
  await prepareDatabase(db.sql);
  assets = await listAssets(db.sql, { activeOnly: true });
  for (const asset of assets) {
    const latest = asset.symbol in STALE ? STALE[asset.symbol] : EXPECTED[asset.calendar];
    if (latest) await storeServedBars(db.sql, server, asset, '2025-02-24', latest);
  }
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/** The local runtime against the market server, with alerts and metrics of its own to look at. */
function pipeline(autoRepair: boolean) {
  const runtime = new LocalRuntime({
    sql: db.sql,
    log: recordingLog(),
    baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
    settings: { providerBudgets: { yahoo: 200, upbit: 50 }, autoRepair },
    now: () => NOW,
    providerTimeoutMs: 10_000, // generous: a slow answer on a loaded machine is not a fault here
    providerBaseDelayMs: 10,
  });
  const alerter = new RecordingAlerter();
  const metrics = new TallyMetrics();
  const deps: PipelineDeps = { ...runtime.deps, alerter, metrics };
  return { runtime, deps, alerter, metrics };
}

describe('checkFreshness', () => {
  it('reports each asset OK or STALE against the session its calendar expects', async () => {
    // Prepare
    const { deps } = pipeline(false);

    // Act
    const report = await checkFreshness(deps);

    // Assess
    expect(report).toMatchObject({ checkedAt: NOW.toISOString(), ok: 17, stale: 3 });
    for (const a of report.assets) expect(a.expected).toBe(EXPECTED[a.calendar as keyof typeof EXPECTED]);
    expect(report.assets.filter((a) => a.status === 'STALE')).toEqual([
      {
        symbol: '005930.KS',
        calendar: 'XKRX',
        latest: null,
        expected: '2025-03-10',
        status: 'STALE',
        missingSessions: null,
      },
      {
        symbol: 'KRW-BTC',
        calendar: '24/7',
        latest: '2025-03-06',
        expected: '2025-03-09',
        status: 'STALE',
        missingSessions: 3,
      },
      {
        symbol: 'SPY',
        calendar: 'XNYS',
        latest: '2025-03-05',
        expected: '2025-03-07',
        status: 'STALE',
        missingSessions: 2,
      },
    ]);
    expect(report.repairJobId).toBeUndefined();
  });

  it('sends one alert listing exactly the stale assets and publishes their count', async () => {
    // Prepare
    const { deps, alerter, metrics } = pipeline(false);

    // Act
    await checkFreshness(deps);

    // Assess
    expect(alerter.alerts).toEqual([
      {
        title: '3 of 20 assets are stale',
        severity: 'warning',
        description: 'Stale by calendar: 1 XKRX, 1 24/7, 1 XNYS. Backfill the missing ranges.',
        fields: [
          { name: '005930.KS', value: 'latest none, expected 2025-03-10 (XKRX)' },
          { name: 'KRW-BTC', value: 'latest 2025-03-06, expected 2025-03-09 (24/7)' },
          { name: 'SPY', value: 'latest 2025-03-05, expected 2025-03-07 (XNYS)' },
        ],
      },
    ]);
    expect(metrics.get('StaleAssets')).toBe(3);
  });

  it('with autoRepair starts a repair job for the stale assets that a drain completes, after which all are OK', async () => {
    // Prepare
    const { runtime, deps } = pipeline(true);

    // Act
    const report = await checkFreshness(deps);
    await runtime.drain();
    const after = pipeline(false);
    const second = await checkFreshness(after.deps);

    // Assess: one task per stale asset, exactly from its first missing session to its expected one
    const repairJobId = report.repairJobId as number;
    expect(await getJob(db.sql, repairJobId)).toMatchObject({
      kind: 'repair',
      status: 'success',
      tasksTotal: 3,
    });
    const tasks = await listTasks(db.sql, repairJobId);
    expect(tasks.map((t) => t.symbol)).toEqual(['005930.KS', 'KRW-BTC', 'SPY']);
    for (const task of tasks) {
      const asset = assets.find((a) => a.symbol === task.symbol) as Asset;
      const calendar = getCalendar(asset.calendar);
      const latest = STALE[task.symbol];
      // An asset with no data at all is repaired over its last 7 sessions.
      const expected = EXPECTED[asset.calendar];
      const firstMissing = latest
        ? calendar.nextSession(latest)
        : calendar.sessionsBetween('2025-02-01', expected).slice(-7)[0];
      expect(task.rangeEnd).toBe(expected);
      expect(task.rangeStart).toBe(firstMissing);
    }
    expect(second).toMatchObject({ ok: 20, stale: 0 });
    expect(after.alerter.alerts).toEqual([]);
    expect(after.metrics.get('StaleAssets')).toBe(0);
  });
});
