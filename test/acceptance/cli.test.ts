import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { pricesChecksum } from '#test/support/fixtures.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

const run = promisify(execFile);

/** The CLI as a person runs it, against this file's database and the local market server. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', 'bin/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'ERROR' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** The last session each calendar has published by now (close plus publication lag). */
function publishedSessions(): string {
  const now = new Date();
  return (['XNYS', 'XKRX', '24/7'] as const).map((c) => getCalendar(c).expectedLastSession(now)).join(' ');
}

async function jobCount(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM job_runs`;
  return row?.n ?? 0;
}

describe('npm start -- --offline', () => {
  it('ingests the last 7 sessions of the default universe and reports every asset fresh', async () => {
    const before = publishedSessions();
    const { code, stdout, stderr } = await cli('--json', 'start', '--offline');
    const steady = publishedSessions() === before; // no market published a session during the run
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.jobs.map((j: { status: string }) => j.status)).toEqual(['success', 'success', 'success']);
    // The CLI runs on the real clock: a session published between its collect and its freshness check
    // (a few seconds a day) would rightly leave that market's assets stale.
    if (steady) expect(result.freshness).toMatchObject({ ok: 20, stale: 0 });
    else expect(result.freshness.ok + result.freshness.stale).toBe(20);
  });
});

describe('backfill 2024 for SPY and KRW-BTC, offline', () => {
  it('ends success with exactly one row per session, and a second run changes no row', async () => {
    const first = await cli(
      '--json',
      'backfill',
      '--start',
      '2024-01-01',
      '--end',
      '2024-12-31',
      '--assets',
      'SPY,KRW-BTC',
      '--offline',
    );
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).job.status).toBe('success');
    const rows = await db.sql<{ symbol: string; dates: string[] }[]>`
      SELECT a.symbol, array_agg(p.session_date::text ORDER BY p.session_date) AS dates
      FROM prices_daily p JOIN assets a ON a.id = p.asset_id
      WHERE p.session_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY a.symbol ORDER BY a.symbol`;
    expect(rows.find((r) => r.symbol === 'SPY')?.dates).toEqual(
      getCalendar('XNYS').sessionsBetween('2024-01-01', '2024-12-31'),
    );
    expect(rows.find((r) => r.symbol === 'KRW-BTC')?.dates).toHaveLength(366);

    const before = await pricesChecksum(db.sql);
    const second = await cli(
      '--json',
      'backfill',
      '--start',
      '2024-01-01',
      '--end',
      '2024-12-31',
      '--assets',
      'SPY,KRW-BTC',
      '--offline',
    );
    expect(second.code).toBe(0);
    expect(await pricesChecksum(db.sql)).toEqual(before);
  });
});

describe('bad backfill input', () => {
  it.each([
    [
      'end before start',
      ['--start', '2024-02-01', '--end', '2024-01-01'],
      /--end 2024-01-01 is before --start 2024-02-01/,
    ],
    [
      'an unknown asset',
      ['--start', '2024-01-01', '--end', '2024-01-31', '--assets', 'SPY,NOPE'],
      /unknown asset "NOPE"/,
    ],
    [
      'a malformed date',
      ['--start', '2024-13-01', '--end', '2024-12-31'],
      /start: expected a date YYYY-MM-DD/,
    ],
    [
      'a future range',
      ['--start', '2099-01-01', '--end', '2099-02-01'],
      /--start 2099-01-01 is in the future/,
    ],
    ['a range beyond the maximum', ['--start', '1990-01-01', '--end', '2024-12-31'], /more than the maximum/],
    ['a missing end', ['--start', '2024-01-01'], /give both --start and --end/],
    ['a bad job id', ['--retry-failed', 'abc'], /--retry-failed: expected a positive whole number/],
  ])('refuses %s with a one-line reason, exit 2 and no job row', async (_, args, reason) => {
    const jobsBefore = await jobCount();
    const { code, stderr } = await cli('backfill', ...args, '--offline');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(reason);
    expect(await jobCount()).toBe(jobsBefore);
  });
});

describe('cli', () => {
  it('answers --help with every command and the exit codes', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const command of ['start', 'backfill', 'jobs', 'freshness', 'calendar', 'migrate', 'db'])
      expect(stdout).toContain(command);
    expect(stdout).toMatch(/Exit codes/);
  });

  it('lists quality flags as JSON and refuses an unknown kind with exit 2', async () => {
    const listed = await cli('--json', 'flags', '--since', '2024-01-01');
    expect(listed.code).toBe(0);
    expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
    const refused = await cli('flags', '--kind', 'typo');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^flags: --kind: /);
  });

  it('lists the sessions of a calendar', async () => {
    const { stdout } = await cli(
      '--json',
      'calendar',
      '--calendar',
      'XNYS',
      '--start',
      '2025-01-06',
      '--end',
      '2025-01-10',
    );
    expect(JSON.parse(stdout).sessions).toEqual(['2025-01-06', '2025-01-07', '2025-01-08', '2025-01-10']);
  });

  it('prints a dry-run plan without writing anything', async () => {
    const jobsBefore = await jobCount();
    const { code, stdout } = await cli(
      '--json',
      'backfill',
      '--start',
      '2021-01-01',
      '--end',
      '2024-12-31',
      '--assets',
      'XLK',
      '--dry-run',
      '--offline',
    );
    expect(code).toBe(0);
    // Chunks of at most three years (1,096 days) per asset.
    expect(
      JSON.parse(stdout).tasks.map((t: { start: string; end: string }) => `${t.start}..${t.end}`),
    ).toEqual(['2021-01-01..2024-01-01', '2024-01-02..2024-12-31']);
    expect(await jobCount()).toBe(jobsBefore);
  });
});
