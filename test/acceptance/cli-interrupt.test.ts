import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli, spawnCli } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { eventually, type MarketGate, startMarketGate } from '#test/support/gated-market.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

// Yahoo assets, one 2024 H1 chunk each: six tasks staggered at the default 2 requests a second.
const ASSETS = ['XLK', 'XLV', 'XLF', 'XLE', 'XLY', 'XLP'];
const START = '2024-01-01';
const END = '2024-06-28';

let db: TestDatabase;
let market: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  market = await startMarketServer();
});
afterAll(async () => {
  await market.stop();
  await db.drop();
});

/** The CLI against this file's database, fetching through `gate` (not --offline: the gate is the provider). */
function env(gate: MarketGate) {
  return { DATABASE_URL: db.url, YAHOO_BASE_URL: gate.yahooBaseUrl, UPBIT_BASE_URL: market.upbitBaseUrl };
}

async function taskCounts(jobId: number): Promise<Record<string, number>> {
  const rows = await db.sql<{ status: string; n: number }[]>`
    SELECT status, count(*)::int AS n FROM job_tasks WHERE job_id = ${jobId} GROUP BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

async function unfinished(): Promise<{ jobs: number; tasks: number }> {
  const [row] = await db.sql<{ jobs: number; tasks: number }[]>`
    SELECT (SELECT count(*)::int FROM job_runs WHERE finished_at IS NULL) AS jobs,
           (SELECT count(*)::int FROM job_tasks WHERE status IN ('pending', 'running')) AS tasks`;
  return row as { jobs: number; tasks: number };
}

async function latestJobId(): Promise<number | undefined> {
  const [row] = await db.sql<{ id: number }[]>`SELECT max(id)::int AS id FROM job_runs`;
  return row?.id ?? undefined;
}

describe('Ctrl-C during a backfill', () => {
  it('exits 130 with no job or task left running, and --retry-failed then stores exactly every session', {
    timeout: 120_000,
  }, async () => {
    // Prepare: two fetches answer, the rest are held, so the job is mid-run when the signal comes
    const gate = await startMarketGate(market.yahooBaseUrl, 2);
    const backfill = spawnCli(
      ['backfill', '--start', START, '--end', END, '--assets', ASSETS.join(',')],
      env(gate),
    );
    let jobId: number | undefined;
    const midRun = await eventually(async () => {
      jobId = await latestJobId();
      if (jobId === undefined) return false;
      const counts = await taskCounts(jobId);
      return (counts.success ?? 0) === 2 && (counts.running ?? 0) >= 1;
    });
    expect(midRun).toBe(true);

    // Act: Ctrl-C; the fetches in flight then fail (retryable), as a provider would time out
    backfill.child.kill('SIGINT');
    gate.fail();
    const exit = await backfill.exited;

    // Assess: exit 130, the resume command named, nothing left pending or running
    expect(exit.code).toBe(130);
    expect(backfill.stderr()).toContain(`resume with: backfill --retry-failed ${jobId}`);
    expect(await unfinished()).toEqual({ jobs: 0, tasks: 0 });
    const [job] = await db.sql<
      { status: string }[]
    >`SELECT status FROM job_runs WHERE id = ${jobId as number}`;
    expect(job?.status).toBe('partial_failure');
    const errors = await db.sql<{ error: string }[]>`
      SELECT error FROM job_tasks WHERE job_id = ${jobId as number} AND status = 'failed'`;
    expect(errors).toHaveLength(4);
    for (const { error } of errors)
      expect(error).toBe('interrupted: the CLI was stopped (SIGINT) before this task ended');

    // Act: resume
    gate.open();
    const retry = await runCli(['--json', 'backfill', '--retry-failed', String(jobId)], env(gate));
    await gate.close();

    // Assess: the retry ran the four and every session of every asset is stored once
    expect(retry.code).toBe(0);
    const retried = JSON.parse(retry.stdout).job;
    expect([retried.status, retried.tasksTotal]).toEqual(['success', 4]);
    const rows = await db.sql<{ symbol: string; dates: string[] }[]>`
      SELECT a.symbol, array_agg(p.session_date::text ORDER BY p.session_date) AS dates
      FROM prices_daily p JOIN assets a ON a.id = p.asset_id
      WHERE a.symbol = ANY(${ASSETS}) GROUP BY a.symbol ORDER BY a.symbol`;
    const sessions = getCalendar('XNYS').sessionsBetween(START, END);
    expect(rows.map((r) => r.symbol)).toEqual([...ASSETS].sort());
    for (const r of rows) expect(r.dates).toEqual(sessions);
  });

  it('quits at once on a second Ctrl-C, and jobs reap then ends what it left running', {
    timeout: 120_000,
  }, async () => {
    // Prepare: every fetch held, so the first Ctrl-C must wait for the tasks in flight
    const gate = await startMarketGate(market.yahooBaseUrl, 0);
    const backfill = spawnCli(['backfill', '--start', START, '--end', END, '--assets', 'XLI,XLB'], env(gate));
    let jobId: number | undefined;
    expect(
      await eventually(async () => {
        jobId = await latestJobId();
        return gate.held >= 1 && jobId !== undefined && ((await taskCounts(jobId)).running ?? 0) >= 1;
      }),
    ).toBe(true);
    backfill.child.kill('SIGINT');
    expect(await eventually(() => backfill.stderr().includes('SIGINT: stopping'), 20_000)).toBe(true);

    // Act
    backfill.child.kill('SIGINT');
    const exit = await backfill.exited;
    const reap = await runCli(['--json', 'jobs', 'reap', '--older-than', '0'], env(gate));
    await gate.close();

    // Assess: it quit before recording anything (no resume line); the reaper ended the job
    expect(exit.code).toBe(130);
    expect(backfill.stderr()).not.toContain('resume with');
    expect(reap.code).toBe(1);
    expect(JSON.parse(reap.stdout).finishedJobs).toEqual([jobId]);
    expect(await unfinished()).toEqual({ jobs: 0, tasks: 0 });
  });
});

describe('jobs cancel beside a running backfill', () => {
  it('ends the job as cancelled, the backfill then stops with nothing stored, and a second cancel is refused', {
    timeout: 120_000,
  }, async () => {
    // Prepare: a backfill whose fetches are held
    const gate = await startMarketGate(market.yahooBaseUrl, 0);
    const backfill = spawnCli(
      ['backfill', '--start', START, '--end', END, '--assets', 'XLU,XLRE'],
      env(gate),
    );
    let jobId: number | undefined;
    expect(
      await eventually(async () => {
        jobId = await latestJobId();
        return gate.held >= 1 && jobId !== undefined && ((await taskCounts(jobId)).running ?? 0) >= 1;
      }),
    ).toBe(true);

    // Act: cancel from another process, then let the held fetch answer
    const cancel = await runCli(['jobs', 'cancel', String(jobId)], env(gate));
    gate.open();
    const exit = await backfill.exited;
    const again = await runCli(['jobs', 'cancel', String(jobId)], env(gate));
    await gate.close();

    // Assess
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`job ${jobId} cancelled: 2 unfinished tasks cancelled`);
    expect(exit.code).toBe(1);
    expect(await taskCounts(jobId as number)).toEqual({ cancelled: 2 });
    const [stored] = await db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM prices_daily p JOIN assets a ON a.id = p.asset_id
      WHERE a.symbol IN ('XLU', 'XLRE')`;
    expect(stored?.n).toBe(0);
    expect([again.code, again.stderr.trim()]).toEqual([
      2,
      `cancel: job ${jobId} has already ended (cancelled); nothing to cancel`,
    ]);
  });
});
