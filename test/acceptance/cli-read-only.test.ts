import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadUniverse } from '#shared/universe/universe.ts';
import { syncUniverse } from '#shared/usecases/sync-universe.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli } from '#test/support/cli-process.ts';
import { snapshotRows } from '#test/support/cli-snapshot.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { createSpyJob } from '#test/support/spy-job.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

let db: TestDatabase;
let jobId: number;
const cli = (...args: string[]) => runCli(args, { DATABASE_URL: db.url });

/** Makes the assets differ from the universe file: one renamed, one extra, one deactivated. */
async function diverge(): Promise<void> {
  await db.sql`UPDATE assets SET name = 'Edited by hand' WHERE symbol = 'SPY'`;
  await db.sql`UPDATE assets SET active = false WHERE symbol = 'XLK'`;
  await db.sql`
    INSERT INTO assets (symbol, name, category, calendar, provider, provider_symbol, currency)
    VALUES ('LOCALONLY', 'Not in the universe', 'stock', 'XNYS', 'yahoo', 'LOCALONLY', 'USD')
    ON CONFLICT (symbol) DO UPDATE SET active = true`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await syncUniverse(db.sql, await loadUniverse());
  jobId = await createSpyJob(db.sql);
});
afterAll(async () => {
  await db.drop();
});

describe('commands that only read', () => {
  it.each([
    ['status', ['status']],
    ['jobs', ['jobs']],
    ['jobs ID', ['jobs', 'JOB']],
    ['flags', ['flags']],
    ['revisions', ['revisions']],
    ['freshness', ['freshness']],
    ['prices', ['prices', '--assets', 'SPY', '--start', '2024-01-01', '--end', '2024-01-31']],
    ['actions', ['actions', '--assets', 'SPY']],
    ['db check', ['db', 'check']],
    ['assets sync --dry-run', ['assets', 'sync', '--dry-run']],
    [
      'backfill --dry-run',
      ['backfill', '--start', '2024-01-01', '--end', '2024-01-31', '--dry-run', '--offline'],
    ],
    ['a malformed backfill', ['backfill', '--start', '2024-13-01', '--end', '2024-12-31', '--offline']],
    [
      'a backfill of an unknown asset',
      ['backfill', '--start', '2024-01-01', '--end', '2024-01-31', '--assets', 'SPY,NOPE', '--offline'],
    ],
    [
      'a backfill ending before it starts',
      ['backfill', '--start', '2024-02-01', '--end', '2024-01-01', '--offline'],
    ],
    ['a retry of an unknown job', ['backfill', '--retry-failed', '99999', '--offline']],
  ])('%s changes no row, not even the assets that differ from the universe file', async (_, args) => {
    await diverge();
    const before = await snapshotRows(db.sql);
    const { code } = await cli(...args.map((a) => (a === 'JOB' ? String(jobId) : a)));
    expect(code).not.toBeNull();
    expect(await snapshotRows(db.sql)).toEqual(before);
  });
});

describe('assets sync', () => {
  it('prints what it would change with --dry-run, then applies exactly that without it', async () => {
    await diverge();
    const dryRun = await cli('assets', 'sync', '--dry-run', '--json');
    expect(dryRun.code).toBe(0);
    const diff = JSON.parse(dryRun.stdout);
    expect(diff).toMatchObject({ dryRun: true, added: [], renamed: [], deactivated: ['LOCALONLY'] });
    expect(diff.changed).toEqual([
      { symbol: 'SPY', fields: ['name'] },
      { symbol: 'XLK', fields: ['active'] },
    ]);

    const applied = await cli('assets', 'sync', '--json');
    expect(applied.code).toBe(0);
    expect({ ...JSON.parse(applied.stdout), dryRun: true }).toEqual(diff);
    const again = await cli('assets', 'sync', '--dry-run');
    expect(again.stdout).toMatch(/^assets match the universe/);
  });
});
