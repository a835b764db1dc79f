import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { getJob, getTask } from '#shared/db/jobs.ts';
import { listQualityFlags } from '#shared/db/quality-flags.ts';
import { type MarketServer, NO_FAULTS, startMarketServer } from '#shared/market-server/index.ts';
import { ingestTask } from '#shared/usecases/ingest-task.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { pricesChecksum } from '#test/support/fixtures.ts';
import { assetConfig, jobOver, NOW, pipelineHarness, useAssets } from './support/harness.ts';
import { storedBars } from './support/stored.ts';

const START = '2025-02-03';
const END = '2025-03-07';
const JUMP_FROM = '2025-02-18';

let db: TestDatabase;
let server: MarketServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startMarketServer({
    seed: 11,
    now: () => NOW.getTime(),
    missingSymbols: ['GONE'],
    priceJumps: [{ symbol: 'JUMP', from: JUMP_FROM, factor: 1.4 }],
  });
});
afterEach(() => {
  server.setFaults(NO_FAULTS);
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/** The only active asset is `symbol` (New York, Yahoo), with one task over START..END. */
async function oneTask(symbol: string) {
  const [asset] = await useAssets(db.sql, [assetConfig(symbol)]);
  if (!asset) throw new Error(`asset ${symbol} was not stored`);
  const job = await jobOver(db.sql, [asset], START, END);
  const message = job.messages[0] as (typeof job.messages)[0];
  return { asset, job, message, harness: pipelineHarness({ sql: db.sql, server }) };
}

describe('ingestTask through the market server', () => {
  it('stores exactly the bars the server serves and ends the task and its job in success', async () => {
    // Prepare
    const { asset, job, message, harness } = await oneTask('AAA');

    // Act
    const result = await ingestTask(harness.deps, message, 1);

    // Assess
    const served = server.tradedBarsFor('yahoo', 'AAA', START, END);
    expect(served).toHaveLength(getCalendar('XNYS').sessionsBetween(START, END).length);
    expect(result).toEqual({ kind: 'done', taskId: message.taskId, status: 'success', rows: served.length });
    expect(await storedBars(db.sql, asset.id)).toEqual(served);
    expect(await getTask(db.sql, message.taskId)).toMatchObject({
      status: 'success',
      attempts: 1,
      rowsUpserted: served.length,
      warnings: [],
      error: null,
    });
    expect(await getJob(db.sql, job.jobId)).toMatchObject({ status: 'success', rowsUpserted: served.length });
    expect(harness.metrics.get('RowsIngested')).toBe(served.length);
  });

  it('skips a redelivered message of a task that already ended, changing no stored row', async () => {
    // Prepare
    const { message, harness } = await oneTask('AAB');
    await ingestTask(harness.deps, message, 1);
    const before = await pricesChecksum(db.sql);
    const requestsBefore = server.stats().total;
    const again = pipelineHarness({ sql: db.sql, server });

    // Act
    const result = await ingestTask(again.deps, message, 2);

    // Assess
    expect(result).toEqual({
      kind: 'skipped',
      taskId: message.taskId,
      reason: 'task already ended (success)',
    });
    expect(await pricesChecksum(db.sql)).toEqual(before);
    expect(again.events.events).toEqual([]);
    expect(server.stats().total).toBe(requestsBefore);
  });

  it('defers a message that arrives before its not-before time for the remaining seconds', async () => {
    // Prepare
    const { message, harness } = await oneTask('EARLY');
    const early = { ...message, notBefore: new Date(NOW.getTime() + 42_300).toISOString() };

    // Act
    const result = await ingestTask(harness.deps, early, 1);

    // Assess
    expect(result).toEqual({
      kind: 'defer',
      taskId: message.taskId,
      delaySeconds: 43,
      reason: 'not before its slot',
    });
    expect(await getTask(db.sql, message.taskId)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('defers a rate-limited fetch, leaving the task running with the reason noted', async () => {
    // Prepare
    const { message, job, harness } = await oneTask('LIMITED');
    server.setFaults({ rate429: 1 });

    // Act
    const result = await ingestTask(harness.deps, message, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'defer', taskId: message.taskId });
    const delay = (result as { delaySeconds: number }).delaySeconds;
    expect(delay).toBeGreaterThanOrEqual(30); // the first back-off step, with up to 30 % jitter
    expect(delay).toBeLessThanOrEqual(39);
    const task = await getTask(db.sql, message.taskId);
    expect(task.status).toBe('running');
    expect(task.error).toMatch(
      /^rate-limited: yahoo LIMITED 2025-02-03\.\.2025-03-07: HTTP 429 .*Too Many Requests/,
    );
    expect(harness.metrics.get('TasksRateLimited')).toBe(1);
    expect(harness.metrics.get('TasksFailed')).toBe(0);
    expect((await getJob(db.sql, job.jobId)).status).toBe('running');
    expect(harness.events.events).toEqual([]);
  });

  it('waits out a rate limit for as long as the budget allows, each wait about as long as the last', async () => {
    // Prepare: every request is a 429; the task is received once each time (a new message per wait).
    const { message, harness } = await oneTask('PATIENT');
    server.setFaults({ rate429: 1 });
    const at = (minutes: number) => ({
      ...harness.deps,
      now: () => new Date(NOW.getTime() + minutes * 60_000),
    });

    // Act: 100 minutes of 429s, within the 120-minute budget.
    const results = [];
    for (let minutes = 0; minutes <= 100; minutes += 10)
      results.push(await ingestTask(at(minutes), message, 1));

    // Assess
    expect(results.every((r) => r.kind === 'defer')).toBe(true);
    expect(results.at(-1)).toMatchObject({ delaySeconds: 900 }); // capped at SQS's 15 minutes
    expect(await getTask(db.sql, message.taskId)).toMatchObject({ status: 'running' });
    expect(harness.metrics.get('TasksFailed')).toBe(0);
  });

  it('fails a rate-limited task once it has been throttled for longer than the budget, on its first receive', async () => {
    // Prepare: a first 429 at NOW, the next one 121 minutes later.
    const { message, job, harness } = await oneTask('IMPATIENT');
    server.setFaults({ rate429: 1 });
    await ingestTask(harness.deps, message, 1);
    const later = { ...harness.deps, now: () => new Date(NOW.getTime() + 121 * 60_000) };

    // Act
    const result = await ingestTask(later, message, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'failed' });
    const task = await getTask(db.sql, message.taskId);
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(
      /^rate-limited: .*HTTP 429.*\(rate-limited for 121 min: the budget of 120 min is spent\)$/,
    );
    expect(harness.metrics.get('TasksFailed')).toBe(1);
    expect((await getJob(db.sql, job.jobId)).status).toBe('failure');
  });

  it('retries a 5xx later until the attempts run out, then fails the task saying so', async () => {
    // Prepare
    const { message, harness } = await oneTask('FLAKY');
    server.setFaults({ rate5xx: 1 });
    const { maxAttempts } = harness.deps.settings;

    // Act
    const results = [];
    for (let receive = 1; receive <= maxAttempts; receive++) {
      results.push(await ingestTask(harness.deps, message, receive));
    }

    // Assess
    expect(results.map((r) => r.kind)).toEqual(['retry', 'retry', 'retry', 'done']);
    expect(results.at(-1)).toMatchObject({ status: 'failed', rows: 0 });
    const task = await getTask(db.sql, message.taskId);
    expect(task).toMatchObject({ status: 'failed', attempts: maxAttempts });
    expect(task.error).toMatch(/^failed: yahoo FLAKY 2025-02-03\.\.2025-03-07: HTTP 50[23] /);
    expect(task.error).toMatch(new RegExp(`\\(gave up after ${maxAttempts} attempts\\)$`));
    expect(harness.metrics.get('TasksFailed')).toBe(1);
  });

  it('fails the task with the not-found reason for a symbol the provider does not know', async () => {
    // Prepare
    const { message, harness } = await oneTask('GONE');

    // Act
    const result = await ingestTask(harness.deps, message, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'failed' });
    expect((await getTask(db.sql, message.taskId)).error).toBe(
      'not-found: yahoo GONE 2025-02-03..2025-03-07: Not Found: No data found, symbol may be delisted',
    );
  });

  it.each([
    ['malformed', { malformedRate: 1 }],
    ['truncated', { truncatedRate: 1 }],
  ])('fails the task as invalid-response for a %s body and stores nothing', async (kind, faults) => {
    // Prepare
    const { asset, message, harness } = await oneTask(`BAD${kind.toUpperCase()}`);
    server.setFaults(faults);

    // Act
    const result = await ingestTask(harness.deps, message, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'failed', rows: 0 });
    expect((await getTask(db.sql, message.taskId)).error).toMatch(/^invalid-response: yahoo /);
    expect(await storedBars(db.sql, asset.id)).toEqual([]);
  });
});

describe('ingestTask data quality', () => {
  it('drops bars listed with null prices, counts them in the warnings and records their sessions as gaps', async () => {
    // Prepare
    const { asset, message, harness } = await oneTask('NULLY');
    server.setFaults({ nullBarRate: 0.2 });
    const served = server.tradedBarsFor('yahoo', 'NULLY', START, END);
    const expected = getCalendar('XNYS').sessionsBetween(START, END);
    const missing = expected.filter((d) => !served.some((b) => b.sessionDate === d));
    expect(missing.length).toBeGreaterThan(0);

    // Act
    const result = await ingestTask(harness.deps, message, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'done', status: 'success', rows: served.length });
    expect(await storedBars(db.sql, asset.id)).toEqual(served);
    const { warnings } = await getTask(db.sql, message.taskId);
    expect(warnings).toContain(`${missing.length} all-null bars dropped`);
    expect(warnings.some((w) => w.startsWith(`${missing.length} sessions missing: `))).toBe(true);
    const gaps = await listQualityFlags(db.sql, { symbol: 'NULLY', kind: 'gap' });
    expect(gaps.map((f) => f.sessionDate).sort()).toEqual(missing);
  });

  it('clears the gap flags once the missing bars arrive', async () => {
    // Prepare: the gaps of the test above, then the provider serves every bar
    const [asset] = await useAssets(db.sql, [assetConfig('NULLY')]);
    if (!asset) throw new Error('NULLY is not stored');
    expect(await listQualityFlags(db.sql, { symbol: 'NULLY', kind: 'gap' })).not.toEqual([]);
    const { messages } = await jobOver(db.sql, [asset], START, END);
    const harness = pipelineHarness({ sql: db.sql, server });

    // Act
    await ingestTask(harness.deps, messages[0] as (typeof messages)[0], 1);

    // Assess
    expect(await listQualityFlags(db.sql, { symbol: 'NULLY' })).toEqual([]);
    expect(await storedBars(db.sql, asset.id)).toEqual(server.tradedBarsFor('yahoo', 'NULLY', START, END));
  });

  it('stores a 40 % price jump as served and flags it as a large move', async () => {
    // Prepare
    const { asset, message, harness } = await oneTask('JUMP');

    // Act
    await ingestTask(harness.deps, message, 1);

    // Assess
    const served = server.tradedBarsFor('yahoo', 'JUMP', START, END);
    expect(await storedBars(db.sql, asset.id)).toEqual(served);
    const flags = await listQualityFlags(db.sql, { symbol: 'JUMP' });
    const jump = served.findIndex((b) => b.sessionDate === JUMP_FROM);
    const change = (served[jump]?.close ?? 0) / (served[jump - 1]?.close ?? 1) - 1;
    expect(flags).toEqual([
      expect.objectContaining({
        kind: 'large_move',
        sessionDate: JUMP_FROM,
        reason: `close moved ${(change * 100).toFixed(1)} % since 2025-02-14`,
      }),
    ]);
    expect(change).toBeGreaterThan(0.3);
    expect((await getTask(db.sql, message.taskId)).warnings).toEqual([`1 moves over 30 %: ${JUMP_FROM}`]);
  });
});
