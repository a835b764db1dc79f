import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureAnalystLogin, readerUrl } from '#shared/db/analyst-login.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli, spawnCli } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { eventually } from '#test/support/gated-market.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

/* `console` as a user runs it: the URL on stdout, the reader login, Ctrl-C, and its input errors. */
let db: TestDatabase;
const login = {
  username: `console_${randomBytes(4).toString('hex')}`,
  password: randomBytes(12).toString('hex'),
};

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureAnalystLogin(db.sql, login);
});
afterAll(async () => {
  await db.sql.unsafe(`DROP ROLE IF EXISTS ${login.username}`);
  await db.drop();
});

/** Starts `console --json --port 0`, waits for its URL and returns both. */
async function startConsoleCli(env: Record<string, string | undefined>) {
  const cli = spawnCli(['--json', 'console', '--port', '0'], env);
  const printed = await eventually(() => cli.stdout().includes('\n') || cli.child.exitCode !== null, 120_000);
  if (!printed || cli.child.exitCode !== null) throw new Error(`console did not start: ${cli.stderr()}`);
  return { cli, url: (JSON.parse(cli.stdout()) as { url: string }).url };
}

/** The login the console's own sessions use, seen from the server. */
async function consoleSessionUser(sql: TestDatabase['sql']): Promise<string | undefined> {
  const [row] = await sql<{ usename: string }[]>`
    SELECT usename FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'market-data-console' LIMIT 1`;
  return row?.usename;
}

describe('npm run cli -- console', () => {
  it('prints its URL as JSON, serves over the read-only login named by READER_DATABASE_URL, and exits 130 on Ctrl-C', {
    timeout: 120_000,
  }, async () => {
    // Act
    const { cli, url } = await startConsoleCli({
      DATABASE_URL: db.url,
      READER_DATABASE_URL: readerUrl(db.url, login),
    });
    const jobs = await fetch(new URL('/api/jobs', url));
    const user = await consoleSessionUser(db.sql);
    cli.child.kill('SIGINT');
    const exit = await cli.exited;

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect([jobs.status, await jobs.json()]).toEqual([200, { jobs: [] }]);
    expect(user).toBe(login.username);
    expect(exit.code).toBe(130);
    expect(cli.stderr()).toContain('SIGINT: stopping the console');
  });

  it('refuses to start in remote mode without READER_DATABASE_URL, in one line with exit 2', async () => {
    const { code, stdout, stderr } = await runCli(['console', '--port', '0'], {
      DATABASE_URL: db.url,
      READER_DATABASE_URL: undefined,
    });

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining('set READER_DATABASE_URL')]);
  });

  it('refuses a port that is not free or not a port, naming --port, with exit 2', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const env = { DATABASE_URL: db.url, READER_DATABASE_URL: readerUrl(db.url, login) };
    try {
      const busy = await runCli(['console', '--port', String(port)], env);
      const bad = await runCli(['console', '--port', 'eighty'], env);

      expect([busy.code, bad.code]).toEqual([2, 2]);
      expect(busy.stderr.trim()).toBe(
        `console: port ${port} on 127.0.0.1 is not free; choose another with --port`,
      );
      expect(bad.stderr.trim()).toBe('console: --port eighty is not a port number (0-65535)');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('npm run cli -- console on the embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'market-data-console-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves over the local read-only login, and stops the embedded server it started on Ctrl-C', {
    timeout: 300_000,
  }, async () => {
    // Prepare: a migrated embedded database (the console itself never migrates)
    const env = { DATABASE_URL: undefined, READER_DATABASE_URL: undefined, DATA_DIR: dataDir };
    expect((await runCli(['migrate'], env)).code).toBe(0);

    // Act
    const { cli, url } = await startConsoleCli(env);
    const assets = await fetch(new URL('/api/assets', url));
    cli.child.kill('SIGINT');
    const exit = await cli.exited;

    // Assess
    expect(assets.status).toBe(200);
    expect(exit.code).toBe(130);
    await access(join(dataDir, 'reader-password')); // the local reader login was made for it
    const running = await access(join(dataDir, 'postgres', 'postmaster.pid')).then(
      () => true,
      () => false,
    );
    expect(running).toBe(false);
  });
});
