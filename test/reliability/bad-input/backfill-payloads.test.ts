import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Asset, listAssets } from '#shared/db/assets.ts';
import { finishTask, getJob, listTasks, startTask } from '#shared/db/jobs.ts';
import { InputError } from '#shared/domain/errors.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { prepareDatabase } from '#shared/usecases/prepare-database.ts';
import { eventBridge, resetAws, sqs } from '#test/functions/support/aws-mocks.ts';
import { coldStart, type LambdaInstance } from '#test/functions/support/lambda-harness.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { jobOver, pipelineHarness } from '#test/usecases/support/harness.ts';
import { expectActionableMessage, rejectionOf, tableCounts } from './support/unchanged.ts';

// The harness clock reads 2025-03-10 (a Monday); the Lambda reads the real clock, so the rows it
// shares use dates that are wrong whatever the day (2099 is always in the future).
const Q1 = { start: '2024-01-01', end: '2024-03-31' } as const;
const TEN_KB = 'x'.repeat(10_240);

interface Row {
  name: string;
  request: unknown;
  /** The one-line message: it names the field and says what to fix. */
  error: RegExp;
  /** Also sent to the backfill Lambda, which must answer exactly as the use case does. */
  viaLambda?: true;
}

const wrongTypes: Row[] = [
  {
    name: 'a start given as a number',
    request: { start: 20240101, end: Q1.end },
    error: /^backfill: start: expected a date YYYY-MM-DD, got 20240101$/,
    viaLambda: true,
  },
  {
    name: 'an end given as an array',
    request: { start: Q1.start, end: [Q1.end] },
    error: /^backfill: end: expected a date YYYY-MM-DD, got \["2024-03-31"\]$/,
  },
  {
    name: 'assets given as a string',
    request: { ...Q1, assets: 'SPY' },
    error: /^backfill: assets: .*expected array, received string$/,
    viaLambda: true,
  },
  {
    name: 'assets holding numbers',
    request: { ...Q1, assets: [1, 2] },
    error: /^backfill: assets\.0: .*expected string, received number$/,
  },
  {
    name: 'dryRun given as "yes"',
    request: { ...Q1, dryRun: 'yes' },
    error: /^backfill: dryRun: .*expected boolean, received string$/,
    viaLambda: true,
  },
  {
    name: 'skipExisting given as 1',
    request: { ...Q1, skipExisting: 1 },
    error: /^backfill: skipExisting: .*expected boolean, received number$/,
  },
  { name: 'a null payload', request: null, error: /^backfill: request: .*expected object, received null$/ },
  {
    name: 'an array payload',
    request: [Q1],
    error: /^backfill: request: .*expected object, received array$/,
  },
  {
    name: 'a query-string payload',
    request: 'start=2024-01-01&end=2024-03-31',
    error: /^backfill: request: .*expected object, received string$/,
  },
];

const missingFields: Row[] = [
  {
    name: 'an empty payload',
    request: {},
    error: /^backfill: give both start and end \(YYYY-MM-DD\), or retryFailedOf with a job id$/,
    viaLambda: true,
  },
  {
    name: 'a start without an end',
    request: { start: Q1.start },
    error: /^backfill: give both start and end/,
  },
  { name: 'an end without a start', request: { end: Q1.end }, error: /^backfill: give both start and end/ },
  {
    name: 'assets without any dates',
    request: { assets: ['SPY'], dryRun: true },
    error: /^backfill: give both start and end/,
  },
];

const unknownFields: Row[] = [
  {
    name: 'an unknown field',
    request: { ...Q1, force: true },
    error: /^backfill: request: unknown field "force"$/,
    viaLambda: true,
  },
  {
    name: 'a field in the wrong case',
    request: { ...Q1, DryRun: true },
    error: /^backfill: request: unknown field "DryRun"$/,
  },
  {
    name: 'several unknown fields',
    request: { ...Q1, asset: 'SPY', from: '2024-01-01', to: '2024-01-31' },
    error: /^backfill: request: unknown fields "asset", "from", "to"$/,
  },
  {
    name: 'a __proto__ field, as JSON.parse builds it',
    request: JSON.parse('{"start":"2024-01-01","end":"2024-03-31","__proto__":{"dryRun":true}}'),
    error: /^backfill: request: unknown field "__proto__"$/,
  },
];

const malformedDates: Row[] = [
  ['2024-02-30', 'a day February does not have'],
  ['2023-02-29', 'February 29 of a common year'],
  ['2024-13-01', 'a thirteenth month'],
  ['24-01-01', 'a two-digit year'],
  ['2024/01/01', 'slashes'],
  ['20240101', 'no separators'],
  [' 2024-01-01', 'a leading space'],
  ['2024-01-01T00:00:00Z', 'an instant instead of a date'],
  ['', 'an empty string'],
].map(([start, what]) => ({
  name: `a start with ${what} (${JSON.stringify(start)})`,
  request: { start, end: Q1.end },
  error: new RegExp(`^backfill: start: expected a date YYYY-MM-DD, got ${literally(JSON.stringify(start))}$`),
  ...(start === '2024-02-30' ? { viaLambda: true as const } : {}),
}));
malformedDates.push(
  {
    name: 'a null start',
    request: { start: null, end: Q1.end },
    error: /^backfill: start: expected a date YYYY-MM-DD, got null$/,
  },
  {
    name: 'an end with a trailing line break',
    request: { start: Q1.start, end: '2024-03-31\n' },
    error: /^backfill: end: expected a date YYYY-MM-DD, got "2024-03-31\\n"$/,
  },
);

const badRanges: Row[] = [
  {
    name: 'an end before the start',
    request: { start: '2024-02-01', end: '2024-01-01' },
    error: /^backfill: end 2024-01-01 is before start 2024-02-01$/,
    viaLambda: true,
  },
  {
    name: 'a start in the future',
    request: { start: '2025-03-11', end: '2025-03-12' },
    error: /^backfill: start 2025-03-11 is in the future \(today is 2025-03-10 UTC\)$/,
  },
  {
    name: 'an end far in the future',
    request: { start: Q1.start, end: '2099-12-31' },
    error: /^backfill: end 2099-12-31 is in the future \(today is \d{4}-\d{2}-\d{2} UTC\)$/,
    viaLambda: true,
  },
  {
    name: 'the last representable dates',
    request: { start: '9999-12-31', end: '9999-12-31' },
    error: /^backfill: start 9999-12-31 is in the future/,
  },
  {
    name: 'a range from 1900',
    request: { start: '1900-01-01', end: '2024-12-31' },
    error: /^backfill: 1900-01-01\.\.2024-12-31 spans 45656 days, more than the maximum 10980; split it$/,
  },
  {
    name: 'a range before SPY’s calendar begins',
    request: { start: '1989-06-01', end: '1990-06-01', assets: ['SPY'] },
    error: /^backfill: start 1989-06-01 is before SPY's XNYS calendar begins \(1990-01-01\)$/,
  },
  {
    name: 'a range wholly before every calendar, for all assets',
    request: { start: '1985-01-01', end: '1985-12-31' },
    error: /^backfill: start 1985-01-01 is before \S+'s (XNYS|XKRX|24\/7) calendar begins \(1990-01-01\)$/,
  },
  {
    name: 'the year 0',
    request: { start: '0000-01-01', end: '0000-01-02', assets: ['KRW-BTC'] },
    error: /^backfill: start 0000-01-01 is before KRW-BTC's 24\/7 calendar begins \(1990-01-01\)$/,
  },
];

const badAssets: Row[] = [
  {
    name: 'an empty assets array',
    request: { ...Q1, assets: [] },
    error: /^backfill: assets: Too small: expected array to have >=1 items$/,
    viaLambda: true,
  },
  {
    name: '10,001 assets',
    request: { ...Q1, assets: Array.from({ length: 10_001 }, (_, i) => `T${i}`) },
    error: /^backfill: assets: Too big: expected array to have <=10000 items$/,
  },
  {
    name: 'an empty symbol',
    request: { ...Q1, assets: ['SPY', ''] },
    error: /^backfill: assets\.1: expected a symbol: 1-32 printable ASCII characters$/,
  },
  {
    name: 'an unknown asset',
    request: { ...Q1, assets: ['SPY', 'NOPE'] },
    error: /^backfill: unknown asset "NOPE"; add it to the universe first$/,
  },
  {
    name: 'a symbol in the wrong case (symbols are case-sensitive)',
    request: { ...Q1, assets: ['spy'] },
    error: /^backfill: unknown asset "spy"; add it to the universe first$/,
  },
  {
    name: '10,000 unknown assets',
    request: { ...Q1, assets: Array.from({ length: 10_000 }, (_, i) => `U${String(i).padStart(5, '0')}`) },
    error:
      /^backfill: unknown assets "U00000", "U00001", "U00002", "U00003", "U00004" and 9995 more; add them to the universe first$/,
  },
];

const injections: Row[] = [
  {
    name: 'an SQL injection as a symbol',
    request: { ...Q1, assets: ["SPY'; DROP TABLE assets;--"] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
    viaLambda: true,
  },
  {
    name: 'a path traversal as a symbol',
    request: { ...Q1, assets: ['../../etc/passwd'] },
    error: /^backfill: unknown asset "\.\.\/\.\.\/etc\/passwd"; add it to the universe first$/,
  },
  {
    name: 'markup as a symbol',
    request: { ...Q1, assets: ['<script>alert(1)</script>'] },
    error: /^backfill: unknown asset "<script>alert\(1\)<\/script>"; add it to the universe first$/,
  },
  {
    name: 'a 10 kB symbol',
    request: { ...Q1, assets: [TEN_KB] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
  {
    name: 'emoji as a symbol',
    request: { ...Q1, assets: ['📈🚀'] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
  {
    name: 'a look-alike symbol (Cyrillic S)',
    request: { ...Q1, assets: ['\u0405PY'] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
  {
    name: 'a symbol with a line break',
    request: { ...Q1, assets: ['SPY\nXLK'] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
  {
    name: 'a symbol with a carriage return and a tab',
    request: { ...Q1, assets: ['SPY\r\tXLK'] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
];

const badRetries: Row[] = [
  {
    name: 'a job id given as a string',
    request: { retryFailedOf: '42' },
    error: /^backfill: retryFailedOf: .*expected number, received string$/,
  },
  {
    name: 'a negative job id',
    request: { retryFailedOf: -1 },
    error: /^backfill: retryFailedOf: Too small: expected number to be >0$/,
    viaLambda: true,
  },
  { name: 'job id 0', request: { retryFailedOf: 0 }, error: /^backfill: retryFailedOf: Too small/ },
  {
    name: 'a fractional job id',
    request: { retryFailedOf: 1.5 },
    error: /^backfill: retryFailedOf: .*expected int, received number$/,
  },
  {
    name: 'a job id beyond 2^53',
    request: { retryFailedOf: 2 ** 60 },
    error: /^backfill: retryFailedOf: Too big: expected int to be <=9007199254740991$/,
  },
  {
    name: 'a job that does not exist',
    request: { retryFailedOf: 999_999_999 },
    error: /^backfill: retryFailedOf: job 999999999 does not exist$/,
    viaLambda: true,
  },
  {
    name: 'a job id beyond a 32-bit integer that does not exist',
    request: { retryFailedOf: 2 ** 40 },
    error: /^backfill: retryFailedOf: job 1099511627776 does not exist$/,
  },
];

const rows: Row[] = [
  ...wrongTypes,
  ...missingFields,
  ...unknownFields,
  ...malformedDates,
  ...badRanges,
  ...badAssets,
  ...injections,
  ...badRetries,
];

/**
 * Rows the code once got wrong (issue 6's bad-input review): kept as regression tests.
 */
const formerBugs: (Row & { bug: string })[] = [
  {
    bug: 'the date error map echoes its whole input',
    name: 'a 10 kB start',
    request: { start: TEN_KB, end: Q1.end },
    error: /^backfill: start: expected a date YYYY-MM-DD, got "x+/,
  },
  {
    bug: 'the date error map echoes its whole input',
    name: 'an object as start',
    request: { start: { year: 2024, note: TEN_KB }, end: Q1.end },
    error: /^backfill: start: expected a date YYYY-MM-DD/,
  },
  {
    bug: 'zod lists every unknown key in full',
    name: 'a 10 kB unknown field',
    request: { ...Q1, [TEN_KB]: true },
    error: /^backfill: request: unknown field "x+/,
  },
  {
    bug: 'JSON.stringify leaves U+2028 raw',
    name: 'a symbol with a Unicode line separator',
    request: { ...Q1, assets: ['SPY\u2028XLK'] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
  {
    bug: 'a NUL byte reaches PostgreSQL, which refuses it',
    name: 'a symbol with a NUL byte',
    request: { ...Q1, assets: ['SPY\u0000'] },
    error: /^backfill: assets\.0: expected a symbol: 1-32 printable ASCII characters$/,
  },
];

let db: TestDatabase;
let bySymbol: Map<string, Asset>;
beforeAll(async () => {
  db = await createTestDatabase();
  await prepareDatabase(db.sql);
  bySymbol = new Map((await listAssets(db.sql)).map((a) => [a.symbol, a]));
});
afterAll(async () => {
  await db.drop();
});

/** Runs planBackfill on `request` and proves it refused with a one-line InputError, changing nothing. */
async function expectRefused(request: unknown, error: RegExp): Promise<void> {
  // Prepare
  const { deps, queue, events, alerter } = pipelineHarness({ sql: db.sql });
  const before = await tableCounts(db.sql);

  // Act
  const refusal = await rejectionOf(planBackfill(deps, request));

  // Assess
  expect(refusal).toBeInstanceOf(InputError);
  expectActionableMessage(refusal.message, error);
  expect(await tableCounts(db.sql)).toEqual(before);
  expect(queue.messages).toEqual([]);
  expect(events.events).toEqual([]);
  expect(alerter.alerts).toEqual([]);
}

describe('planBackfill refuses bad payloads', () => {
  it.each(rows)(
    'refuses $name with a one-line InputError and changes nothing',
    async ({ request, error }) => {
      await expectRefused(request, error);
    },
  );

  it.each(formerBugs)(
    'refuses $name with a bounded one-line InputError (once a bug: $bug)',
    async ({ request, error }) => {
      await expectRefused(request, error);
    },
  );

  it('refuses to retry a job that has not finished, changing nothing', async () => {
    // Prepare: a job whose only task never ran
    const { jobId } = await jobOver(db.sql, [bySymbol.get('XLU') as Asset], '2024-01-02', '2024-01-31');

    // Act, Assess
    await expectRefused(
      { retryFailedOf: jobId },
      new RegExp(
        `^backfill: job ${jobId} is still pending; retry it once it ends \\(if it is stuck, end it with: jobs cancel ${jobId}, or jobs reap\\)$`,
      ),
    );
  });

  it('refuses to retry a job that is still running, changing nothing', async () => {
    // Prepare: one of two tasks has ended
    const assets = ['XLB', 'XLC'].map((s) => bySymbol.get(s) as Asset);
    const { jobId, tasks } = await jobOver(db.sql, assets, '2024-01-02', '2024-01-31');
    const first = tasks[0] as (typeof tasks)[0];
    await startTask(db.sql, first.id, first.jobId);
    await finishTask(db.sql, first.id, { status: 'failed', error: 'failed: HTTP 503', rowsUpserted: 0 });

    // Act, Assess
    await expectRefused(
      { retryFailedOf: jobId },
      new RegExp(
        `^backfill: job ${jobId} is still running; retry it once it ends \\(if it is stuck, end it with: jobs cancel ${jobId}, or jobs reap\\)$`,
      ),
    );
  });
});

describe('planBackfill with duplicate assets', () => {
  it('plans each asset once, as if every symbol had been given once', async () => {
    // Prepare
    const { deps, queue } = pipelineHarness({ sql: db.sql });
    const once = await planBackfill(deps, { ...Q1, assets: ['SPY', 'XLK'], dryRun: true });

    // Act
    const result = await planBackfill(deps, { ...Q1, assets: ['SPY', 'XLK', 'SPY', 'SPY', 'XLK'] });

    // Assess
    expect(result.tasks).toEqual(once.tasks);
    expect(result.tasks.map((t) => t.symbol)).toEqual(['SPY', 'XLK']);
    const jobId = result.jobId as number;
    expect(await getJob(db.sql, jobId)).toMatchObject({ assets: ['SPY', 'XLK'], tasksTotal: 2 });
    expect((await listTasks(db.sql, jobId)).map((t) => t.symbol)).toEqual(['SPY', 'XLK']);
    expect(queue.messages.map((m) => m.body.jobId)).toEqual([jobId, jobId]);
  });
});

describe('the backfill function refuses bad payloads', () => {
  let fn: LambdaInstance<'backfill'>;
  beforeAll(async () => {
    fn = await coldStart('backfill', { db });
  });
  afterAll(async () => {
    await fn.dispose();
    vi.unstubAllEnvs();
  });

  it.each(rows.filter((r) => r.viaLambda))(
    'fails an invocation with $name with the InputError, recording and sending nothing',
    async ({ request, error }) => {
      // Prepare
      resetAws();
      const before = await tableCounts(db.sql);

      // Act
      const refusal = await rejectionOf(fn.handler(request, fn.context));

      // Assess
      expect(refusal.name).toBe('InputError');
      expectActionableMessage(refusal.message, error);
      expect(await tableCounts(db.sql)).toEqual(before);
      expect(sqs).not.toHaveReceivedAnyCommand();
      expect(eventBridge).not.toHaveReceivedAnyCommand();
    },
  );
});

/** `text` as a regular expression that matches it literally. */
function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
