import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureAnalystLogin, readerUrl } from '#shared/db/analyst-login.ts';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import { upsertCorporateActions } from '#shared/db/corporate-actions.ts';
import { withDeadline } from '#test/reliability/support/deadline.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS, runCli, spawnCli } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { eventually } from '#test/support/gated-market.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

/*
 * `prices --output` in remote mode against a test database, read through a read-only login
 * (READER_DATABASE_URL). ACME has a 2:1 split and a dividend (so the bases differ); KRW-BTC trades
 * fractional volumes every day, across the turn of the year.
 */
let db: TestDatabase;
let dir: string;
let env: Record<string, string>;
const reader = {
  username: `export_${randomBytes(4).toString('hex')}`,
  password: randomBytes(12).toString('hex'),
};

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'market-data-export-'));
  const asset = { name: 'x', active: true } as const;
  await syncAssets(db.sql, [
    {
      ...asset,
      symbol: 'ACME',
      category: 'stock',
      calendar: 'XNYS',
      provider: 'yahoo',
      providerSymbol: 'ACME',
      currency: 'USD',
    },
    {
      ...asset,
      symbol: 'KRW-BTC',
      category: 'crypto',
      calendar: '24/7',
      provider: 'upbit',
      providerSymbol: 'KRW-BTC',
      currency: 'KRW',
    },
  ]);
  const ids: Record<string, number> = Object.fromEntries(
    (await listAssets(db.sql)).map((a) => [a.symbol, a.id]),
  );
  const [acme, btc] = [ids.ACME ?? 0, ids['KRW-BTC'] ?? 0];
  await db.sql`
    INSERT INTO prices_daily (asset_id, session_date, source, open, high, low, close, volume)
    VALUES (${acme}, '2024-06-03', 'yahoo', 199.5, 201.25, 198.75, 200, 1000),
           (${acme}, '2024-06-04', 'yahoo', 100.1, 102, 99.9, 101, 2000),
           (${acme}, '2024-06-05', 'yahoo', 100, 100.5, 99.5, 100, 2000),
           (${btc}, '2023-12-31', 'upbit', 57000000, 58123456.5, 56900000, 58000000, 1234.56789012),
           (${btc}, '2024-01-01', 'upbit', 58000000, 59000000, 57500000, 58500000.25, 0.12345678)`;
  await upsertCorporateActions(db.sql, [
    {
      assetId: acme,
      exDate: '2024-06-04',
      kind: 'split',
      source: 'yahoo',
      numerator: 2,
      denominator: 1,
    },
    {
      assetId: acme,
      exDate: '2024-06-05',
      kind: 'dividend',
      source: 'yahoo',
      amount: 1,
      currency: 'USD',
    },
  ]);
  await ensureAnalystLogin(db.sql, reader);
  env = { DATABASE_URL: db.url, READER_DATABASE_URL: readerUrl(db.url, reader) };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.drop();
  await db.sql.unsafe(`DROP ROLE IF EXISTS ${reader.username}`).catch(() => {});
});

const RANGE = ['--start', '2023-01-01', '--end', '2024-12-31'];

/** The stored bars on `basis` as the database computes them, numbers as exact numeric text. */
async function storedBars(basis: string) {
  return db.sql<Record<string, string>[]>`
    SELECT a.symbol, p.session_date::text AS session_date, p.source,
           trim_scale(p.open)::text AS open, trim_scale(p.high)::text AS high, trim_scale(p.low)::text AS low,
           trim_scale(p.close)::text AS close, trim_scale(p.volume)::text AS volume,
           trim_scale(p.factor)::text AS factor
    FROM assets a CROSS JOIN LATERAL adjusted_prices(a.id, '2023-01-01', '2024-12-31', ${basis}) p
    ORDER BY a.symbol, p.session_date, p.source`.then((rows) =>
    // The client camelCases columns; the export names them as the database does.
    rows.map(
      ({ sessionDate, ...rest }): Record<string, string> => ({
        symbol: rest.symbol ?? '',
        session_date: sessionDate ?? '',
        ...rest,
      }),
    ),
  );
}

const NUMBERS = ['open', 'high', 'low', 'close', 'volume', 'factor'];
const asNumbers = (row: Record<string, string>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, NUMBERS.includes(k) ? Number(v) : v]));

async function readParquet(file: string) {
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    const rows = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    return {
      rows: rows.getRowObjectsJson(),
      types: Object.fromEntries(types.getRowObjectsJson().map((t) => [t.column_name, t.column_type])),
    };
  } finally {
    connection.closeSync();
    duck.closeSync();
  }
}

describe('prices --output FILE', () => {
  it('writes a typed Parquet file that DuckDB reads back value for value, through the read-only login', async () => {
    const file = join(dir, 'total.parquet');

    const { code, stdout } = await runCli(
      ['--json', 'prices', ...RANGE, '--adjust', 'total', '--output', file],
      env,
    );
    const parquet = await readParquet(file);
    const stored = await storedBars('total');

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      file,
      format: 'parquet',
      basis: 'total',
      assets: 2,
      rows: 5,
      bytes: (await stat(file)).size,
      readAs: reader.username,
    });
    expect(parquet.types).toEqual({
      symbol: 'VARCHAR',
      session_date: 'DATE',
      source: 'VARCHAR',
      open: 'DOUBLE',
      high: 'DOUBLE',
      low: 'DOUBLE',
      close: 'DOUBLE',
      volume: 'DOUBLE',
      factor: 'DOUBLE',
    });
    expect(parquet.rows).toEqual(stored.map(asNumbers));
    expect(parquet.rows.map((r) => [r.session_date, r.volume]).slice(-2)).toEqual([
      ['2023-12-31', 1234.56789012],
      ['2024-01-01', 0.12345678],
    ]);
    expect(stored[0]?.factor).not.toBe('1'); // the total basis really adjusted ACME's first bar
  });

  it('writes CSV with a header and the stored decimals as text, every row as stored', async () => {
    const file = join(dir, 'bars.csv');

    const { code } = await runCli(['prices', ...RANGE, '--output', file], env);
    const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const stored = await storedBars('none');

    expect(code).toBe(0);
    expect(header).toBe('symbol,session_date,source,open,high,low,close,volume,factor');
    expect(lines).toEqual(stored.map((r) => Object.values(r).join(',')));
    expect(lines).toContain('KRW-BTC,2024-01-01,upbit,58000000,59000000,57500000,58500000.25,0.12345678,1');
  });

  it('writes JSON Lines, one object per bar, whose numbers are the stored decimals', async () => {
    const file = join(dir, 'bars.jsonl');

    const { code } = await runCli(
      ['prices', '--assets', 'KRW-BTC,ACME', ...RANGE, '--adjust', 'splits', '--output', file],
      env,
    );
    const text = await readFile(file, 'utf8');

    expect(code).toBe(0);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual((await storedBars('splits')).map(asNumbers));
    expect(text).toContain('"session_date":"2023-12-31","source":"upbit","open":57000000,');
    expect(text).toContain('"volume":0.12345678,');
  });

  it('exits 2 with one line for an output it cannot write, and leaves no file behind', async () => {
    const missing = join(dir, 'no-such-folder', 'bars.parquet');

    const intoMissing = await runCli(['prices', ...RANGE, '--output', missing], env);
    const intoFolder = await runCli(['prices', ...RANGE, '--output', dir, '--format', 'csv'], env);

    expect([intoMissing.code, intoFolder.code]).toEqual([2, 2]);
    expect(intoMissing.stderr).toMatch(/^prices: cannot write --output ".*" \(ENOENT\); name a file .*\n$/);
    expect(intoFolder.stderr).toMatch(/^prices: --output ".*" is a folder; name a file in it\n$/);
    expect((await readdir(dir)).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('leaves neither the file nor a partial one when Ctrl-C stops it mid-export, and exits 130', {
    timeout: 120_000,
  }, async () => {
    // Prepare: the bars are locked, so the export waits mid-way with its temporary file open
    const file = join(dir, 'stopped.parquet');
    const holder = await db.sql.reserve();
    await holder`BEGIN`;
    await holder`LOCK TABLE prices_daily IN ACCESS EXCLUSIVE MODE`;
    const exporting = spawnCli(['prices', ...RANGE, '--output', file], env);
    const waiting = await eventually(async () => {
      const [row] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'prices_daily'::regclass`;
      return (row?.n ?? 0) > 0;
    }, 90_000);
    const partialBefore = (await readdir(dir)).filter((f) => f.startsWith('.stopped.parquet.'));

    // Act
    exporting.child.kill('SIGINT');
    await eventually(() => exporting.stderr().includes('SIGINT'), 30_000);
    await holder`COMMIT`;
    holder.release();
    const exit = await withDeadline(exporting.exited, 60_000);

    // Assess
    expect(waiting).toBe(true);
    expect(partialBefore).toHaveLength(1);
    expect(exit?.code).toBe(130);
    expect(exporting.stderr()).toContain('prices: stopped by SIGINT; no file was written');
    expect((await readdir(dir)).filter((f) => f.includes('stopped.parquet'))).toEqual([]);
  });
});
