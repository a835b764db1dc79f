import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import { listDomainEvents } from '#shared/db/domain-events.ts';
import { getJob } from '#shared/db/jobs.ts';
import type { DrainStats } from '#shared/local/runtime.ts';
import { type MarketServer, type MarketServerStats, startMarketServer } from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { seedAssets } from '#test/support/fixtures.ts';
import { recordingLog } from '#test/support/recording-log.ts';
import { runtimeWithFastQueue } from './support/fast-queue.ts';
import { NOW } from './support/harness.ts';

const YEAR = { start: '2024-01-01', end: '2024-12-31' };
const MAX_ROUNDS = 5;

let db: TestDatabase;
let server: MarketServer;
let assets: Asset[];
/** The backfill job, then one retry job per round that still had failed tasks. */
const jobIds: number[] = [];
const drains: DrainStats[] = [];
let faults: MarketServerStats['faults'];

/**
 * The scenario every test below looks at: 30 assets x 1 year (one task each) against a server that
 * answers 5 % of requests 429, 5 % 5xx and cuts 2 % of bodies short, drained by the local runtime; then
 * the failed tasks are retried, as a person would, until a job ends without failures. The queue runs
 * 100 times faster than the wall clock, so a task put back for 30 s or more costs no real time.
 */
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({
    seed: 7, // a seed whose draws include every kind of fault
    now: () => NOW.getTime(),
    faults: { rate429: 0.05, rate5xx: 0.05, truncatedRate: 0.02 },
  });
  assets = await seedAssets(db.sql, 30);
  const wallStart = Date.now();
  const runtime = runtimeWithFastQueue(
    {
      sql: db.sql,
      log: recordingLog(),
      baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
      settings: { providerBudgets: { yahoo: 200, upbit: 50 } },
      now: () => new Date(NOW.getTime() + (Date.now() - wallStart)),
      providerTimeoutMs: 10_000, // generous: a retry after a slow answer on a loaded machine draws other faults
      providerBaseDelayMs: 5,
      visibilityTimeoutSeconds: 3_600, // 36 s of wall time: no message reappears while it is worked on
    },
    100,
  );
  let request: Record<string, unknown> = YEAR;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { jobId } = await planBackfill(runtime.deps, request);
    jobIds.push(jobId as number);
    drains.push(await runtime.drain());
    if ((await getJob(db.sql, jobId as number)).tasksFailed === 0) break;
    request = { retryFailedOf: jobId };
  }
  faults = server.stats().faults;
}, 60_000);
afterAll(async () => {
  await server.stop();
  await db.drop();
});

describe('LocalRuntime.drain of a backfill against a faulty provider', () => {
  it('meets every kind of fault the server was set to inject', () => {
    expect(faults.rate429).toBeGreaterThan(0);
    expect(faults.rate5xx).toBeGreaterThan(0);
    expect(faults.truncated).toBeGreaterThan(0);
  });

  it('ends every job and every task: none is left pending or running', async () => {
    const [open] = await db.sql<{ jobs: number; tasks: number }[]>`
      SELECT (SELECT count(*)::int FROM job_runs WHERE finished_at IS NULL) AS jobs,
             (SELECT count(*)::int FROM job_tasks WHERE status IN ('pending', 'running')) AS tasks`;
    expect(open).toEqual({ jobs: 0, tasks: 0 });
    expect(drains.every((d) => d.deadLettered === 0 && d.poisoned.length === 0)).toBe(true);
  });

  it('fails the truncated bodies as tasks, and a retry of just those succeeds', async () => {
    const [first, ...retries] = await Promise.all(jobIds.map((id) => getJob(db.sql, id)));
    expect(first).toMatchObject({ kind: 'backfill', status: 'partial_failure', tasksTotal: 30 });
    expect(first?.errorSummary?.failures.every((f) => f.error.startsWith('invalid-response: '))).toBe(true);
    expect(retries.at(-1)).toMatchObject({ status: 'success', tasksFailed: 0 });
    expect(retries[0]?.tasksTotal).toBe(first?.tasksFailed);
  });

  it('announces each job once', async () => {
    const finished = await listDomainEvents(db.sql, 'JobFinished');
    expect(finished.map((e) => (e.detail as { jobId: number }).jobId)).toEqual(jobIds);
  });

  it('stores exactly one bar for every session of the year for every asset', async () => {
    const rows = await db.sql<{ assetId: number; dates: string[]; distinct: number }[]>`
      SELECT asset_id, array_agg(session_date::text ORDER BY session_date) AS dates,
             count(DISTINCT session_date)::int AS distinct
      FROM prices_daily GROUP BY asset_id ORDER BY asset_id`;
    const sessions = getCalendar('XNYS').sessionsBetween(YEAR.start, YEAR.end);
    expect(rows.map((r) => r.assetId)).toEqual(assets.map((a) => a.id));
    for (const row of rows) {
      expect(row.dates).toEqual(sessions);
      expect(row.distinct).toBe(sessions.length);
    }
  });

  it('stores the bars the server serves', async () => {
    const [sample] = assets;
    const served = server.barsFor('yahoo', sample?.providerSymbol ?? '', YEAR.start, YEAR.end);
    const [stored] = await db.sql<{ closes: string[] }[]>`
      SELECT array_agg(close::text ORDER BY session_date) AS closes FROM prices_daily WHERE asset_id = ${sample?.id ?? 0}`;
    expect(stored?.closes.map(Number)).toEqual(served.map((b) => b.close));
  });
});
