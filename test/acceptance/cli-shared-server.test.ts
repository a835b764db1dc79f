import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stopLocalPostgres } from '#shared/db/local-postgres.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { withDeadline } from '#test/reliability/support/deadline.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, spawnCli } from '#test/support/cli-process.ts';
import { eventually, startMarketGate } from '#test/support/gated-market.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

let market: MarketServer;
let dataDir: string;
beforeAll(async () => {
  market = await startMarketServer();
  dataDir = await mkdtemp(join(tmpdir(), 'market-data-shared-'));
});
afterAll(async () => {
  await market.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const serverRunning = () =>
  access(join(dataDir, 'postgres', 'postmaster.pid')).then(
    () => true,
    () => false,
  );

describe('two CLI processes on one embedded data dir', () => {
  it('both succeed when the one that started the server ends first, and the last one stops it', {
    timeout: 300_000,
  }, async () => {
    // Prepare: each backfill fetches through its own gate, so the test decides who ends first
    const first = await startMarketGate(market.yahooBaseUrl);
    const second = await startMarketGate(market.yahooBaseUrl);
    const env = (yahoo: string) => ({
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      YAHOO_BASE_URL: yahoo,
      UPBIT_BASE_URL: market.upbitBaseUrl,
    });
    const range = ['--start', '2024-01-01', '--end', '2024-03-28', '--json'];
    const starter = spawnCli(['backfill', '--assets', 'SPY', ...range], env(first.yahooBaseUrl));
    expect(await eventually(() => first.held >= 1, 120_000)).toBe(true);
    const joiner = spawnCli(['backfill', '--assets', 'XLK', ...range], env(second.yahooBaseUrl));
    expect(await eventually(() => second.held >= 1, 120_000)).toBe(true);
    expect(await serverRunning()).toBe(true);

    // Act: the starter ends while the other is mid-run, then the other (on today's main the second
    // lost its server: it hung retrying, so its wait is bounded)
    first.open();
    const starterExit = await withDeadline(starter.exited, 60_000);
    second.open();
    const joinerExit = await withDeadline(joiner.exited, 60_000);
    for (const cli of [starter, joiner]) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await Promise.all([first.close(), second.close()]);

    // Assess
    expect([starterExit?.code, starter.stderr()]).toEqual([0, '']);
    expect([joinerExit?.code, joiner.stderr()]).toEqual([0, '']);
    expect(JSON.parse(joiner.stdout()).job.status).toBe('success');
    expect(await serverRunning()).toBe(false);
  });

  it('tells a CLI whose server was stopped under it so in one line, exit 1, instead of hanging or crashing', {
    timeout: 300_000,
  }, async () => {
    // Prepare: a backfill mid-run on the embedded server
    const gate = await startMarketGate(market.yahooBaseUrl);
    const backfill = spawnCli(
      ['backfill', '--assets', 'XLV', '--start', '2024-01-01', '--end', '2024-03-28'],
      {
        DATABASE_URL: undefined,
        DATA_DIR: dataDir,
        YAHOO_BASE_URL: gate.yahooBaseUrl,
        UPBIT_BASE_URL: market.upbitBaseUrl,
      },
    );
    expect(await eventually(() => gate.held >= 1, 120_000)).toBe(true);

    // Act: someone stops the server; the fetch then answers and the task cannot be recorded
    await stopLocalPostgres(join(dataDir, 'postgres'));
    gate.open();
    const exit = await withDeadline(backfill.exited, 120_000);
    if (backfill.child.exitCode === null) backfill.child.kill('SIGKILL');
    await gate.close();

    // Assess
    expect(exit?.code).toBe(1);
    // The last line is the CLI's own (the ones before are the ingest's JSON error logs)
    expect(backfill.stderr().trim().split('\n').at(-1)).toMatch(
      /^backfill: the database \(embedded PostgreSQL in .*\) went away mid-run \(\w+\); /,
    );
  });
});
