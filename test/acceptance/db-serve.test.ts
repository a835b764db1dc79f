import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withDeadline } from '#test/reliability/support/deadline.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli, spawnCli } from '#test/support/cli-process.ts';
import { eventually } from '#test/support/gated-market.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

const execFileAsync = promisify(execFile);

/** psql as a person runs it: exit code and both streams. */
async function psql(url: string, statement: string) {
  try {
    const { stdout, stderr } = await execFileAsync('psql', [url, '-X', '-At', '-c', statement]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let dataDir: string;
let env: Record<string, string | undefined>;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'market-data-serve-'));
  env = { DATABASE_URL: undefined, DATA_DIR: dataDir, LOCAL_DB_PORT: String(await freePort()) };
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const serverRunning = () =>
  access(join(dataDir, 'postgres', 'postmaster.pid')).then(
    () => true,
    () => false,
  );

describe('db serve and db url on the embedded server', () => {
  it('serves on LOCAL_DB_PORT until Ctrl-C: psql with db url --read-only may SELECT, is refused an INSERT', {
    timeout: 180_000,
  }, async () => {
    // Prepare: db serve on a fresh data folder (it migrates and makes the reader's login)
    const serve = spawnCli(['--json', 'db', 'serve'], env);
    expect(await eventually(() => serve.stdout().includes('\n'), 150_000)).toBe(true);
    const served = JSON.parse(serve.stdout()) as { adminUrl: string; readerUrl: string };

    // Act: another command alongside it prints the URL; psql connects with it
    const url = await runCli(['db', 'url', '--read-only'], env);
    const select = await psql(url.stdout.trim(), 'SELECT count(*) FROM assets');
    const insert = await psql(
      url.stdout.trim(),
      "INSERT INTO job_runs (kind, range_start, range_end) VALUES ('backfill', '2024-01-01', '2024-01-02')",
    );
    const stillUp = await serverRunning();
    serve.child.kill('SIGINT');
    const exit = await withDeadline(serve.exited, 60_000);

    // Assess
    expect(url.code).toBe(0);
    expect(url.stdout).toBe(`${served.readerUrl}\n`);
    expect(new URL(served.readerUrl).port).toBe(env.LOCAL_DB_PORT);
    expect(new URL(served.readerUrl).username).toBe('market_analyst');
    expect(url.stderr).toMatch(/up only while a command runs: keep `npm run cli -- db serve` running/);
    expect([select.code, select.stdout.trim()]).toEqual([0, '0']);
    expect(insert.code).toBe(1);
    expect(insert.stderr).toContain('cannot execute INSERT in a read-only transaction');
    expect(stillUp).toBe(true); // the db url command ended, and left db serve's server up
    expect(exit?.code).toBe(130);
    expect(await serverRunning()).toBe(false);
  });

  it('says in one line, exit 2, that the read-only URL needs migrations when nothing migrated the database', {
    timeout: 120_000,
  }, async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'market-data-url-'));
    try {
      const url = await runCli(['db', 'url', '--read-only'], { ...env, DATA_DIR: fresh, LOCAL_DB_PORT: '0' });
      expect(url.code).toBe(2);
      expect(url.stderr).toMatch(
        /^url: the database is not migrated .* run `npm run cli -- migrate` first\n$/,
      );
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});

describe('db url in remote mode (DATABASE_URL set)', () => {
  const remote = { DATABASE_URL: 'postgres://app:s3cret@db.example.com:5432/market?sslmode=verify-full' };

  it('prints DATABASE_URL with its password hidden, and READER_DATABASE_URL for --read-only', async () => {
    const admin = await runCli(['db', 'url'], remote);
    const reader = await runCli(['--json', 'db', 'url', '--read-only'], {
      ...remote,
      READER_DATABASE_URL: 'postgres://analyst:p4ss@db.example.com:5432/market?sslmode=verify-full',
    });
    expect([admin.code, admin.stdout]).toEqual([
      0,
      'postgres://app:***@db.example.com:5432/market?sslmode=verify-full\n',
    ]);
    expect(JSON.parse(reader.stdout)).toEqual({
      url: 'postgres://analyst:***@db.example.com:5432/market?sslmode=verify-full',
      readOnly: true,
      embedded: false,
    });
  });

  it('exits 2 with one line naming READER_DATABASE_URL when --read-only has none', async () => {
    const { code, stdout, stderr } = await runCli(['db', 'url', '--read-only'], {
      ...remote,
      READER_DATABASE_URL: undefined,
    });
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(/^url: --read-only with DATABASE_URL set needs READER_DATABASE_URL.*\n$/);
  });

  it('refuses db serve with exit 2: there is no embedded server to keep up', async () => {
    const { code, stderr } = await runCli(['db', 'serve'], remote);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('DATABASE_URL is set');
  });
});
