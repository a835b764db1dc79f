import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { upsertCorporateActions } from '#shared/db/corporate-actions.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { pricesChecksum } from '#test/support/fixtures.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

const run = promisify(execFile);

/** The CLI as a person runs it, against `url`. */
async function cli(
  url: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', 'bin/cli.ts', ...args], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'ERROR' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let db: TestDatabase;
let empty: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  empty = await createTestDatabase({ migrated: false });
  await syncAssets(db.sql, [
    {
      symbol: 'ACME',
      name: 'Acme',
      category: 'stock',
      calendar: 'XNYS',
      provider: 'yahoo',
      providerSymbol: 'ACME',
      currency: 'USD',
      active: true,
    },
  ]);
  const [asset] = await listAssets(db.sql);
  const id = asset?.id ?? 0;
  const bar = (sessionDate: string, close: number, volume: number) => ({
    assetId: id,
    sessionDate,
    source: 'yahoo',
    open: close,
    high: close,
    low: close,
    close,
    adjClose: null,
    volume,
  });
  // As traded: 200 before a 2:1 split on 2024-06-04, 101 after it; a 1.00 dividend on 2024-06-05.
  await upsertDailyBars(db.sql, [
    bar('2024-06-03', 200, 1_000),
    bar('2024-06-04', 101, 2_000),
    bar('2024-06-05', 100, 2_000),
  ]);
  await upsertCorporateActions(db.sql, [
    { assetId: id, exDate: '2024-06-04', kind: 'split', source: 'yahoo', numerator: 2, denominator: 1 },
    { assetId: id, exDate: '2024-06-05', kind: 'dividend', source: 'yahoo', amount: 1, currency: 'USD' },
  ]);
});
afterAll(async () => {
  await db.drop();
  await empty.drop();
});

const RANGE = ['--assets', 'ACME', '--start', '2024-06-01', '--end', '2024-06-30'];

describe('npm run -s cli -- prices', () => {
  it('prints the stored bars as traded by default, as a JSON array of numbers', async () => {
    const { code, stdout } = await cli(db.url, '--json', 'prices', ...RANGE);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        symbol: 'ACME',
        sessionDate: '2024-06-03',
        open: 200,
        high: 200,
        low: 200,
        close: 200,
        volume: 1000,
        source: 'yahoo',
      },
      {
        symbol: 'ACME',
        sessionDate: '2024-06-04',
        open: 101,
        high: 101,
        low: 101,
        close: 101,
        volume: 2000,
        source: 'yahoo',
      },
      {
        symbol: 'ACME',
        sessionDate: '2024-06-05',
        open: 100,
        high: 100,
        low: 100,
        close: 100,
        volume: 2000,
        source: 'yahoo',
      },
    ]);
  });

  it('adjusts for splits, and for splits and dividends with --adjust total', async () => {
    const splits = JSON.parse((await cli(db.url, '--json', 'prices', ...RANGE, '--adjust', 'splits')).stdout);
    const total = JSON.parse((await cli(db.url, '--json', 'prices', ...RANGE, '--adjust', 'total')).stdout);
    expect(splits.map((b: { close: number; volume: number }) => [b.close, b.volume])).toEqual([
      [100, 2000],
      [101, 2000],
      [100, 2000],
    ]);
    // The dividend of 1.00 after a 101 close multiplies earlier prices by 1 - 1/101.
    expect(total[0].close).toBeCloseTo(100 * (100 / 101), 9);
    expect(total[1].close).toBeCloseTo(100, 9);
    expect(total[2].close).toBe(100);
  });

  it('prints CSV with a header row', async () => {
    const { code, stdout } = await cli(db.url, 'prices', ...RANGE, '--csv');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'symbol,sessionDate,open,high,low,close,volume,source',
      'ACME,2024-06-03,200,200,200,200,1000,yahoo',
      'ACME,2024-06-04,101,101,101,101,2000,yahoo',
      'ACME,2024-06-05,100,100,100,100,2000,yahoo',
    ]);
  });

  it('exits 2 with one line for an unknown symbol or basis, and changes nothing', async () => {
    const before = await pricesChecksum(db.sql);
    const unknown = await cli(
      db.url,
      'prices',
      '--assets',
      'NOPE',
      '--start',
      '2024-06-01',
      '--end',
      '2024-06-30',
    );
    const basis = await cli(db.url, 'prices', ...RANGE, '--adjust', 'dividends');
    expect([unknown.code, basis.code]).toEqual([2, 2]);
    expect(unknown.stderr).toBe('prices: unknown asset NOPE (see the universe file)\n');
    expect(basis.stderr.trim().split('\n')).toHaveLength(1);
    expect(await pricesChecksum(db.sql)).toEqual(before);
  });

  it('says in one line that the database is not migrated, exits 2 and does not migrate it', async () => {
    const { code, stderr } = await cli(empty.url, 'prices', ...RANGE);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^prices: the database is not migrated .*run `npm run cli -- migrate` first\n$/);
    const [row] = await empty.sql<
      { exists: boolean }[]
    >`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`;
    expect(row?.exists).toBe(false);
  });
});

describe('npm run -s cli -- actions', () => {
  it('lists the stored splits and dividends as JSON', async () => {
    const { code, stdout } = await cli(db.url, '--json', 'actions', '--assets', 'ACME');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        symbol: 'ACME',
        exDate: '2024-06-04',
        kind: 'split',
        numerator: 2,
        denominator: 1,
        amount: null,
        currency: null,
        source: 'yahoo',
      },
      {
        symbol: 'ACME',
        exDate: '2024-06-05',
        kind: 'dividend',
        numerator: null,
        denominator: null,
        amount: 1,
        currency: 'USD',
        source: 'yahoo',
      },
    ]);
  });

  it('prints a table for people', async () => {
    const { code, stdout } = await cli(db.url, 'actions', '--assets', 'ACME');
    expect(code).toBe(0);
    expect(stdout).toContain('2024-06-04  split     2:1');
    expect(stdout).toContain('1 USD');
  });
});

describe('prices and actions after an offline backfill', () => {
  it('prints every stored SPY session of January 2024 and no corporate action', async () => {
    const backfill = await cli(
      db.url,
      '--json',
      'backfill',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-31',
      '--assets',
      'SPY',
      '--offline',
    );
    expect(backfill.code).toBe(0);
    const prices = await cli(
      db.url,
      '--json',
      'prices',
      '--assets',
      'SPY',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-31',
    );
    const actions = await cli(db.url, '--json', 'actions', '--assets', 'SPY');
    const bars = JSON.parse(prices.stdout) as { sessionDate: string; close: number; source: string }[];
    expect(bars.map((b) => b.sessionDate)).toEqual(
      getCalendar('XNYS').sessionsBetween('2024-01-02', '2024-01-31'),
    );
    expect(bars.every((b) => typeof b.close === 'number' && b.source === 'yahoo')).toBe(true);
    expect(JSON.parse(actions.stdout)).toEqual([]);
  });
});
