import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { getJob } from '#shared/db/jobs.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({ seed: 12, now: () => NOW.getTime(), missingSymbols: ['GONE', 'LOST'] });
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

const seoul = (symbol: string): AssetConfig => assetConfig(symbol, { calendar: 'XKRX', currency: 'KRW' });

/** Makes `configs` the active assets and runs every task of one job over [start, end] concurrently. */
async function runJob(configs: AssetConfig[], start: string, end: string, jobOf = configs) {
  const active = await useAssets(db.sql, configs);
  const inJob = active.filter((a) => jobOf.some((c) => c.symbol === a.symbol));
  const { jobId, messages } = await jobOver(db.sql, inJob, start, end);
  const harness = pipelineHarness({ sql: db.sql, server });
  await Promise.all(messages.map((m) => ingestTask(harness.deps, m, 1)));
  return { jobId, ...harness };
}

describe('the last task of a job', () => {
  it('publishes exactly one JobFinished event and no alert when every task succeeded', async () => {
    // Act
    const { jobId, events, alerter, metrics } = await runJob(
      [assetConfig('ONE'), assetConfig('TWO'), assetConfig('THREE')],
      '2025-02-03',
      '2025-02-14',
    );

    // Assess
    expect(events.ofType('JobFinished').map((e) => e.detail)).toEqual([
      {
        jobId,
        kind: 'backfill',
        status: 'success',
        tasksTotal: 3,
        tasksSucceeded: 3,
        tasksFailed: 0,
        rowsUpserted: 30,
      },
    ]);
    expect(alerter.alerts).toEqual([]);
    expect(metrics.totals.get('JobsFinished Status=success')).toBe(1);
  });

  it('ends partial_failure with one warning alert that names the failed task and how to retry it', async () => {
    // Act
    const { jobId, events, alerter } = await runJob(
      [assetConfig('FOUR'), assetConfig('GONE')],
      '2025-02-03',
      '2025-02-14',
    );

    // Assess
    expect(events.ofType('JobFinished').map((e) => e.detail.status)).toEqual(['partial_failure']);
    expect(alerter.alerts).toEqual([
      {
        title: `backfill job ${jobId} ended partial_failure`,
        severity: 'warning',
        description:
          `1 of 2 tasks failed, range 2025-02-03..2025-02-14.` +
          ` Retry the failed ones with: backfill --retry-failed ${jobId}`,
        fields: [
          {
            name: 'GONE 2025-02-03..2025-02-14',
            value:
              'not-found: yahoo GONE 2025-02-03..2025-02-14: Not Found: No data found, symbol may be delisted',
          },
        ],
      },
    ]);
  });

  it('ends failure with one error alert when every task failed', async () => {
    // Act
    const { jobId, events, alerter } = await runJob(
      [assetConfig('GONE'), assetConfig('LOST')],
      '2025-02-03',
      '2025-02-14',
    );

    // Assess
    expect(events.ofType('JobFinished').map((e) => e.detail.status)).toEqual(['failure']);
    expect(alerter.alerts.map((a) => [a.title, a.severity])).toEqual([
      [`backfill job ${jobId} ended failure`, 'error'],
    ]);
    expect(alerter.alerts[0]?.fields?.map((f) => f.name)).toEqual([
      'GONE 2025-02-03..2025-02-14',
      'LOST 2025-02-03..2025-02-14',
    ]);
    expect(await getJob(db.sql, jobId)).toMatchObject({ status: 'failure', tasksFailed: 2 });
  });
});

describe('MarketSessionComplete', () => {
  const start = '2025-02-24';
  const end = '2025-03-07';

  it('is published once per session when every active asset of the market has its bar', async () => {
    // Act
    const { events } = await runJob([seoul('AAA.KS'), seoul('BBB.KS')], start, end);

    // Assess
    expect(events.ofType('MarketSessionComplete').map((e) => e.detail)).toEqual(
      getCalendar('XKRX')
        .sessionsBetween(start, end)
        .map((sessionDate) => ({ market: 'XKRX', sessionDate, assets: 2 })),
    );
  });

  it('is not published again when a later job stores the same sessions', async () => {
    // Act
    const { events } = await runJob([seoul('AAA.KS'), seoul('BBB.KS')], start, end);

    // Assess
    expect(events.ofType('JobFinished')).toHaveLength(1);
    expect(events.ofType('MarketSessionComplete')).toEqual([]);
  });

  it('waits for the last active asset of the market to have its bar', async () => {
    // Prepare: CCC.KS and DDD.KS are active; the first job covers only CCC.KS
    const both = [seoul('CCC.KS'), seoul('DDD.KS')];
    const first = await runJob(both, '2025-02-10', '2025-02-21', [seoul('CCC.KS')]);

    // Act
    const second = await runJob(both, '2025-02-10', '2025-02-21', [seoul('DDD.KS')]);

    // Assess
    expect(first.events.ofType('MarketSessionComplete')).toEqual([]);
    expect(second.events.ofType('MarketSessionComplete').map((e) => e.detail)).toEqual(
      getCalendar('XKRX')
        .sessionsBetween('2025-02-10', '2025-02-21')
        .map((sessionDate) => ({ market: 'XKRX', sessionDate, assets: 2 })),
    );
  });
});
