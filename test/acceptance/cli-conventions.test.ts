import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDays, utcDate } from '#shared/domain/dates.ts';
import { loadUniverse } from '#shared/universe/universe.ts';
import { syncUniverse } from '#shared/usecases/sync-universe.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli, spawnCli } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { createSpyJob } from '#test/support/spy-job.ts';
import packageJson from '../../package.json' with { type: 'json' };

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

const exec = promisify(execFile);
let db: TestDatabase;
const cli = (...args: string[]) => runCli(args, { DATABASE_URL: db.url });

/** A command as a script runs it, through a shell; exit code, stdout and stderr. */
async function shell(command: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec('bash', ['-c', command], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'ERROR', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function jobCount(): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM job_runs`;
  return row?.n ?? 0;
}

function brokenUniverse(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'universe-')), 'universe.json');
  writeFileSync(path, '{\n  "assets": [\n    { "symbol": "SPY", }\n  ]\n}\n');
  return path;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await syncUniverse(db.sql, await loadUniverse());
});
afterAll(async () => {
  await db.drop();
});

describe('--json through the documented commands', () => {
  it.each([
    ['npm run -s cli --', 'npm run -s cli -- status --json'],
    ['npx market-data', 'npx market-data status --json'],
  ])('%s prints JSON alone on stdout', async (_, command) => {
    const { code, stdout } = await shell(command);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toHaveProperty('storage');
  });
});

describe('usage', () => {
  it('prints the version of the package with --version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(packageJson.version);
  });

  it('prints a typo suggestion whole, in one line, with exit 2', async () => {
    const { code, stderr } = await cli('backfill', '--strat', '2024-01-01');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('(Did you mean --start?)');
  });

  it.each([
    [
      'a bad symbol in --assets',
      ['--start', '2024-01-01', '--end', '2024-01-31', '--assets', 'SPY,bad sym'],
      '--assets',
      /assets\.\d/,
    ],
    [
      '--retry-failed with a range',
      ['--retry-failed', '3', '--start', '2024-01-01'],
      '--retry-failed',
      /retryFailedOf/,
    ],
    ['a missing --end', ['--start', '2024-01-01'], '--end', /retryFailedOf/],
  ])('names CLI flags, not payload fields, for %s', async (_, args, flag, field) => {
    const { code, stderr } = await cli('backfill', ...args, '--offline');
    expect(code).toBe(2);
    expect(stderr).toContain(flag);
    expect(stderr).not.toMatch(field);
  });

  it('names the flag of a bad choice in flags', async () => {
    const { code, stderr } = await cli('flags', '--kind', 'typo');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^flags: --kind: /);
  });
});

describe('a universe file with a syntax error', () => {
  it.each([
    [
      'backfill',
      ['backfill', '--start', '2024-01-01', '--end', '2024-01-31', '--assets', 'SPY', '--offline'],
    ],
    ['assets sync', ['assets', 'sync', '--dry-run']],
  ])('stops %s with one line naming file:line:col and exit 2', async (_, args) => {
    const path = brokenUniverse();
    const { code, stderr } = await runCli(args, { DATABASE_URL: db.url, UNIVERSE_FILE: path });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${path}:3:24: not valid JSON`);
  });

  it('does not stop --help', async () => {
    const { code, stdout } = await runCli(['--help'], { UNIVERSE_FILE: brokenUniverse() });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Exit codes/);
  });
});

describe('backfill', () => {
  it('that plans 0 tasks creates no job and says so, with exit 0', async () => {
    const before = await jobCount();
    // A weekend: no XNYS session to fetch.
    const { code, stdout } = await cli(
      'backfill',
      '--start',
      '2024-01-06',
      '--end',
      '2024-01-07',
      '--assets',
      'SPY',
      '--offline',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/nothing to do: 0 tasks.*no job was created/);
    expect(await jobCount()).toBe(before);
  });

  it('clips an --end in the future to today, as the help says, and says so', async () => {
    const today = utcDate(new Date());
    const start = addDays(today, -10);
    const { code, stdout, stderr } = await cli(
      '--json',
      'backfill',
      '--start',
      start,
      '--end',
      '2099-01-01',
      '--assets',
      'KRW-BTC',
      '--dry-run',
      '--offline',
    );
    // Today as the CLI saw it: the day it started, or the next if midnight UTC passed meanwhile
    const todayAfter = utcDate(new Date());
    expect(code).toBe(0);
    const clipped = /--end 2099-01-01 is in the future; clipped to today, (\d{4}-\d{2}-\d{2})/.exec(
      stderr,
    )?.[1];
    expect([today, todayAfter]).toContain(clipped);
    const plan = JSON.parse(stdout) as { tasks: { end: string }[] };
    expect(plan.tasks.length).toBeGreaterThan(0);
    for (const task of plan.tasks) expect(task.end <= (clipped as string)).toBe(true);
  });
});

describe('jobs ID --watch, not on a terminal', () => {
  it('writes whole progress lines without carriage returns, and the result after them', async () => {
    const jobId = await createSpyJob(db.sql);
    const watch = spawnCli(['jobs', String(jobId), '--watch'], { DATABASE_URL: db.url });
    await expect
      .poll(() => watch.stderr(), { timeout: 60_000, interval: 200 })
      .toContain(`job ${jobId}: pending`);
    await db.sql`UPDATE job_tasks SET status = 'cancelled', finished_at = now() WHERE job_id = ${jobId}`;
    await db.sql`UPDATE job_runs SET status = 'cancelled', finished_at = now() WHERE id = ${jobId}`;
    const { code } = await watch.exited;
    expect(code).toBe(0);
    expect(watch.stderr()).not.toContain('\r');
    expect(watch.stderr()).not.toContain('\u001b');
    expect(watch.stderr()).toMatch(new RegExp(`^(job ${jobId}: pending 0 % \\(0/1 tasks, 0 rows\\)\\n)+$`));
    expect(watch.stdout()).toMatch(/^job\s+kind/);
  });
});

describe('db check on a database that was never migrated', () => {
  it('says to run migrate in one line, exit 1', async () => {
    const empty = await createTestDatabase({ migrated: false });
    try {
      const { code, stdout } = await runCli(['db', 'check'], { DATABASE_URL: empty.url });
      expect(code).toBe(1);
      expect(stdout.trim().split('\n')).toHaveLength(1);
      expect(stdout).toMatch(/migrations pending .*run `npm run -s cli -- migrate`/);
    } finally {
      await empty.drop();
    }
  });
});

describe('a closed pipe', () => {
  it('(| head -1) ends the command quietly with exit 0', async () => {
    const { stdout, stderr } = await shell(
      'node --import tsx bin/cli.ts calendar --calendar 24/7 --start 2000-01-01 --end 2024-12-31 | head -1; echo "exit $PIPESTATUS" >&2',
    );
    expect(stdout).toBe('2000-01-01\n');
    expect(stderr).toBe('exit 0\n');
  });
});

describe('.env', () => {
  const cliBin = resolve('bin/market-data.js');
  const run = (env: Record<string, string | undefined>) => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    writeFileSync(join(dir, '.env'), 'LOG_LEVEL=LOUD\n');
    const args = [cliBin, 'calendar', '--calendar', 'XNYS', '--start', '2025-01-06', '--end', '2025-01-07'];
    const envs = Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined),
    );
    return exec('node', args, { cwd: dir, env: envs as NodeJS.ProcessEnv }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
  };

  it('is read from the working directory', async () => {
    const { code, stderr } = await run({ LOG_LEVEL: undefined });
    expect(code).toBe(2);
    expect(stderr).toMatch(/environment variable LOG_LEVEL/);
  });

  it('gives way to a variable set in the environment', async () => {
    expect((await run({ LOG_LEVEL: 'ERROR' })).code).toBe(0);
  });
});
