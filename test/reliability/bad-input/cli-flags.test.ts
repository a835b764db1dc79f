import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { CLI_PROCESS_TEST_TIMEOUT_MS } from '#test/support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { expectActionableMessage, tableCounts } from './support/unchanged.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

const run = promisify(execFile);

/** Where no provider answers: a closed port (nothing in this file may reach the real services). */
const UNREACHABLE = {
  YAHOO_BASE_URL: 'http://127.0.0.1:9/yahoo',
  UPBIT_BASE_URL: 'http://127.0.0.1:9/upbit',
};

/** The CLI as a person runs it, against this file's database (each run is a process: about a second). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['--import', 'tsx', 'bin/cli.ts', ...args], {
      env: { ...process.env, ...UNREACHABLE, DATABASE_URL: db.url, LOG_LEVEL: 'ERROR' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Row {
  name: string;
  args: string[];
  /** The one line on stderr: it names the flag and says what to fix. */
  error: RegExp;
}

const rows: Row[] = [
  {
    name: 'backfill with --retry-failed abc',
    args: ['backfill', '--retry-failed', 'abc'],
    error: /^backfill: --retry-failed: expected a positive whole number, got "abc"$/,
  },
  {
    name: 'jobs with a non-numeric id',
    args: ['jobs', 'abc'],
    error: /^jobs: job id: expected a positive whole number, got "abc"$/,
  },
  {
    name: 'calendar with a wrong id',
    args: ['calendar', '--calendar', 'NYSE', '--start', '2025-01-01', '--end', '2025-01-31'],
    error: /^calendar: .*unknown calendar "NYSE"; use one of XNYS, XKRX, 24\/7$/,
  },
];

/** Rows the CLI once got wrong (issue 6 bad-input review), kept as regression tests. */
const formerBugs: (Row & { bug: string })[] = [
  {
    bug: 'commander prints the whole help after a usage error',
    name: 'an unknown command',
    args: ['frobnicate'],
    error: /^error: unknown command 'frobnicate'/,
  },
  {
    bug: 'commander prints the whole help after a usage error',
    name: 'an unknown option',
    args: ['backfill', '--frob'],
    error: /^error: unknown option '--frob'/,
  },
  {
    bug: 'commander prints the whole help after a usage error',
    name: '--start without a value',
    args: ['backfill', '--start'],
    error: /^error: option '--start <date>' argument missing/,
  },
  {
    bug: 'Date.parse accepts February 30',
    name: 'calendar with a day February does not have',
    args: ['calendar', '--calendar', 'XNYS', '--start', '2025-02-30', '--end', '2025-03-01'],
    error: /^calendar: .*--start "2025-02-30" is not a date YYYY-MM-DD$/,
  },
  {
    bug: 'CalendarRangeError is not mapped to bad input',
    name: 'calendar before the calendar begins',
    args: ['calendar', '--calendar', 'XNYS', '--start', '1980-01-01', '--end', '1980-01-31'],
    error: /^calendar: XNYS calendar covers 1990-01-01\.\.2030-12-31; 1980-01-01 is outside it$/,
  },
  {
    bug: 'the providers are probed before the request is validated',
    name: 'backfill with a day February does not have, while the providers are unreachable',
    args: ['--json', 'backfill', '--start', '2024-02-30', '--end', '2024-03-31'],
    error: /^backfill: .*start: expected a date YYYY-MM-DD, got "2024-02-30"$/,
  },
  {
    bug: 'positiveInt accepts ids beyond 2^53 and PostgreSQL bigint',
    name: 'jobs with an id of 20 digits',
    args: ['jobs', '99999999999999999999'],
    error: /^jobs: job id: /,
  },
];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // What every pipeline command does first; done here, a command's own run of it changes nothing.
  await prepareDatabase(db.sql);
});
afterAll(async () => {
  await db.drop();
});

/** Runs the CLI with `args` and proves it exited 2 with one line on stderr, changing nothing. */
async function expectRefused(args: string[], error: RegExp): Promise<void> {
  // Prepare
  const before = await tableCounts(db.sql);

  // Act
  const { code, stdout, stderr } = await cli(args);

  // Assess
  expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
  expect(stderr.endsWith('\n')).toBe(true);
  expectActionableMessage(stderr.slice(0, -1), error);
  expect(await tableCounts(db.sql)).toEqual(before);
}

// Each row is a process of its own, mostly waiting on its start-up: they run side by side.
describe.concurrent('the CLI with bad flags, and with --json on success', () => {
  it.each(rows)('exits 2 on $name with one line on stderr, changing nothing', async ({ args, error }) => {
    await expectRefused(args, error);
  });

  it.each(formerBugs)(
    'exits 2 on $name with one line on stderr (once a bug: $bug)',
    async ({ args, error }) => {
      await expectRefused(args, error);
    },
  );

  it('prints a dry-run plan as one JSON document, writing nothing', async () => {
    // Prepare
    const before = await tableCounts(db.sql);

    // Act
    const { code, stdout } = await cli([
      ...['--json', 'backfill', '--start', '2024-01-02', '--end', '2024-01-05'],
      ...['--assets', 'SPY,SPY', '--dry-run'],
    ]);

    // Assess
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toEqual({
      jobId: null,
      dryRun: true,
      skipped: 0,
      tasks: [
        expect.objectContaining({ symbol: 'SPY', start: '2024-01-02', end: '2024-01-05', sessions: 4 }),
      ],
    });
    expect(await tableCounts(db.sql)).toEqual(before);
  });
});
