import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { loadUniverse } from '#shared/universe/universe.ts';
import { syncUniverse } from '#shared/usecases/sync-universe.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { createSpyJob } from '#test/support/spy-job.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

/**
 * The exit-code rule, for every command: 0 done, 1 the checked or run thing is bad, 2 bad input,
 * unknown id or configuration. One entry per command path; a command registered in bin/cli.ts
 * without an entry fails the first test. In args, FAILED_JOB, SUCCEEDED_JOB and OPEN_JOB stand for
 * jobs in those states; env UNMIGRATED_URL for a database that was never migrated, MARKET_WITHOUT_SPY
 * for a Yahoo (the market server) that answers SPY as delisted.
 */
interface Case {
  args: string[];
  code: 0 | 1 | 2;
  /** Stdout must parse as JSON (the case passes --json). */
  json?: boolean;
  env?: Record<string, string>;
}

const BAD_DATABASE_URL = { DATABASE_URL: 'mysql://nowhere/db' };
const BROKEN_UNIVERSE = { UNIVERSE_FILE: 'BROKEN_UNIVERSE' };

const MATRIX: Record<string, Case[]> = {
  // `start --offline` ending 0 is test/acceptance/cli.test.ts (a whole collection).
  start: [{ args: ['start', '--offline'], code: 2, env: BROKEN_UNIVERSE }],
  backfill: [
    {
      args: ['backfill', '--start', '2024-01-01', '--end', '2024-01-31', '--dry-run', '--offline'],
      code: 0,
      json: true,
    },
    {
      args: ['backfill', '--start', '2024-01-06', '--end', '2024-01-07', '--assets', 'SPY', '--offline'],
      code: 0,
      json: true,
    },
    // The job ran and failed: its only task's symbol is unknown to the provider (MARKET_WITHOUT_SPY).
    {
      args: ['backfill', '--start', '2024-01-02', '--end', '2024-01-05', '--assets', 'SPY'],
      code: 1,
      json: true,
      env: { YAHOO_BASE_URL: 'MARKET_WITHOUT_SPY', UPBIT_BASE_URL: 'MARKET_UPBIT' },
    },
    { args: ['backfill', '--start', '2024-13-01', '--end', '2024-12-31', '--offline'], code: 2 },
    { args: ['backfill', '--retry-failed', '99999', '--offline'], code: 2 },
  ],
  jobs: [
    { args: ['jobs'], code: 0, json: true },
    { args: ['jobs', 'SUCCEEDED_JOB'], code: 0, json: true },
    { args: ['jobs', 'FAILED_JOB'], code: 1, json: true },
    { args: ['jobs', '99999'], code: 2 },
    { args: ['jobs', 'abc'], code: 2 },
  ],
  'jobs cancel': [
    { args: ['jobs', 'cancel', 'OPEN_JOB'], code: 0, json: true },
    { args: ['jobs', 'cancel', '99999'], code: 2 },
  ],
  'jobs reap': [
    { args: ['jobs', 'reap'], code: 0, json: true },
    { args: ['jobs', 'reap', '--older-than', 'abc'], code: 2 },
  ],
  flags: [
    { args: ['flags'], code: 0, json: true },
    { args: ['flags', '--kind', 'typo'], code: 2 },
  ],
  revisions: [
    { args: ['revisions'], code: 0, json: true },
    { args: ['revisions', '--since', 'yesterday'], code: 2 },
  ],
  freshness: [
    // No bars stored: every asset is stale.
    { args: ['freshness'], code: 1, json: true },
    { args: ['freshness'], code: 2, env: BAD_DATABASE_URL },
  ],
  calendar: [
    {
      args: ['calendar', '--calendar', 'XNYS', '--start', '2025-01-06', '--end', '2025-01-10'],
      code: 0,
      json: true,
    },
    { args: ['calendar', '--calendar', 'XLON', '--start', '2025-01-06', '--end', '2025-01-10'], code: 2 },
  ],
  prices: [
    {
      args: ['prices', '--assets', 'SPY', '--start', '2024-01-01', '--end', '2024-01-31'],
      code: 0,
      json: true,
    },
    { args: ['prices', '--assets', 'NOPE', '--start', '2024-01-01', '--end', '2024-01-31'], code: 2 },
    {
      args: [
        'prices',
        '--assets',
        'SPY',
        '--start',
        '2024-01-01',
        '--end',
        '2024-01-31',
        '--format',
        'parquet',
      ],
      code: 2, // --format without --output
    },
    {
      args: ['prices', '--start', '2024-01-01', '--end', '2024-01-31', '--output', '/nonexistent/dir/p.csv'],
      code: 2,
    },
  ],
  // Serving ends only by a signal: console 130 on Ctrl-C is test/acceptance/console-cli.test.ts.
  console: [
    { args: ['console'], code: 2 }, // remote mode without READER_DATABASE_URL
    { args: ['console', '--port', 'abc'], code: 2 },
  ],
  actions: [
    { args: ['actions', '--assets', 'SPY'], code: 0, json: true },
    { args: ['actions', '--assets', 'NOPE'], code: 2 },
  ],
  status: [
    { args: ['status'], code: 0, json: true },
    { args: ['status'], code: 2, env: { DATABASE_URL: 'UNMIGRATED_URL' } },
    { args: ['status'], code: 2, env: BAD_DATABASE_URL },
  ],
  migrate: [
    { args: ['migrate'], code: 0, json: true },
    { args: ['migrate'], code: 2, env: BAD_DATABASE_URL },
  ],
  db: [{ args: ['db'], code: 2 }],
  'db url': [
    { args: ['db', 'url'], code: 0, json: true },
    { args: ['db', 'url', '--read-only'], code: 2 }, // remote mode without READER_DATABASE_URL
  ],
  // db serve's 130 on Ctrl-C locally is test/acceptance/db-serve.test.ts; remote mode is refused.
  'db serve': [{ args: ['db', 'serve'], code: 2 }],
  'db check': [
    { args: ['db', 'check'], code: 0, json: true },
    { args: ['db', 'check'], code: 1, json: true, env: { DATABASE_URL: 'UNMIGRATED_URL' } },
  ],
  assets: [{ args: ['assets'], code: 2 }],
  'assets sync': [
    { args: ['assets', 'sync', '--dry-run'], code: 0, json: true },
    { args: ['assets', 'sync', '--dry-run'], code: 2, env: BROKEN_UNIVERSE },
  ],
};

const exec = promisify(execFile);
let db: TestDatabase;
let tree: Record<string, string>;
let unmigrated: TestDatabase;
let market: MarketServer;
const stand: Record<string, string> = {};

/** Every command path ("jobs cancel") the program registers, with its help, from the program itself. */
async function commandTree(): Promise<Record<string, string>> {
  const { stdout } = await exec('node', [
    '--import',
    'tsx',
    '--import',
    './test/support/cli-command-tree.ts',
    'bin/cli.ts',
  ]);
  return JSON.parse(stdout).commands;
}

async function jobIn(status: 'success' | 'failure' | 'pending'): Promise<string> {
  const jobId = await createSpyJob(db.sql);
  if (status !== 'pending') {
    const task = status === 'success' ? 'success' : 'failed';
    await db.sql`UPDATE job_tasks SET status = ${task}, error = ${status === 'failure' ? 'HTTP 500' : null},
      finished_at = now() WHERE job_id = ${jobId}`;
    await db.sql`UPDATE job_runs SET status = ${status}, finished_at = now(),
      tasks_succeeded = ${status === 'success' ? 1 : 0}, tasks_failed = ${status === 'failure' ? 1 : 0}
      WHERE id = ${jobId}`;
  }
  return String(jobId);
}

beforeAll(async () => {
  tree = await commandTree();
  db = await createTestDatabase();
  unmigrated = await createTestDatabase({ migrated: false });
  await syncUniverse(db.sql, await loadUniverse());
  stand.SUCCEEDED_JOB = await jobIn('success');
  stand.FAILED_JOB = await jobIn('failure');
  stand.OPEN_JOB = await jobIn('pending');
  stand.UNMIGRATED_URL = unmigrated.url;
  const broken = join(mkdtempSync(join(tmpdir(), 'universe-')), 'universe.json');
  writeFileSync(broken, '{ "assets": [ }');
  stand.BROKEN_UNIVERSE = broken;
  market = await startMarketServer({ missingSymbols: ['SPY'] });
  stand.MARKET_WITHOUT_SPY = market.yahooBaseUrl;
  stand.MARKET_UPBIT = market.upbitBaseUrl; // probed before the backfill, as every provider is
});
afterAll(async () => {
  await market.stop();
  await db.drop();
  await unmigrated.drop();
});

const fill = (value: string) => stand[value] ?? value;

describe('the exit-code matrix', () => {
  // A new command needs its rows here: copy the closest entry (db url, db serve, console, ...).
  it('has an entry for every command the program registers', async () => {
    expect(Object.keys(tree).sort()).toEqual(Object.keys(MATRIX).sort());
  });

  const cases = Object.entries(MATRIX).flatMap(([command, rows]) => rows.map((row) => ({ command, ...row })));
  it.concurrent.each(cases)(
    '$command $args exits $code',
    async ({ args, code, json, env }) => {
      const given = Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, fill(v)]));
      const result = await runCli([...(json ? ['--json'] : []), ...args.map(fill)], {
        DATABASE_URL: db.url,
        ...given,
      });
      expect(result.code).toBe(code);
      if (json && code !== 2) expect(() => JSON.parse(result.stdout)).not.toThrow();
    },
    180_000,
  );
});

describe('every command', () => {
  it('lists its options, --json among them, and an example in its help', () => {
    const lacking = Object.entries(tree)
      .filter(([, help]) => !help.includes('--json') || !/\nExamples?:\n {2}\S/.test(help))
      .map(([command]) => command);
    expect(lacking).toEqual([]);
  });
});
