import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidFetchRequestError } from '#shared/providers/index.ts';
import { send, startTestServer, type TestServer } from '#test/http/support/test-server.ts';
import { expectOk, providerFor, readFixture } from './support/harness.ts';

const AAPL_2020 = 'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json';
const request = { symbol: 'AAPL', start: '2020-01-01', end: '2020-12-31' };

let server: TestServer;
let aaplBody: string;
beforeAll(async () => {
  server = await startTestServer();
  aaplBody = await readFixture('yahoo', AAPL_2020);
});
afterAll(async () => {
  await server.close();
});

type Series = (number | null)[];
/** The parts of the recorded QQQ chart result the tests below edit. */
interface RecordedResult {
  timestamp: number[];
  indicators: {
    quote: [{ open: Series; high: Series; low: Series; close: Series; volume: Series }];
    adjclose: [{ adjclose: Series }];
  };
}

/** The small QQQ recording with `edit` applied to its only chart result. */
async function editedQqq(edit: (result: RecordedResult) => void): Promise<string> {
  const body = JSON.parse(await readFixture('yahoo', 'chart-QQQ-2020-01-01-to-2020-01-03.body.json'));
  edit(body.chart.result[0]);
  return JSON.stringify(body);
}

describe('Yahoo chart provider over HTTP failures', () => {
  it('retries a plain-text 429 after its Retry-After, then reports rate-limited with it', async () => {
    // Prepare
    server.handle((_req, res) =>
      send(res, 429, 'Edge: Too Many Requests', { 'content-type': 'text/plain', 'retry-after': '5' }),
    );
    const { provider, clock } = providerFor('yahoo', server.baseUrl, { maxAttempts: 3 });

    // Act
    const outcome = await provider.fetchDailyBars(request);

    // Assess
    expect(outcome).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 5_000,
      reason:
        'yahoo AAPL 2020-01-01..2020-12-31: HTTP 429 Too Many Requests: Edge: Too Many Requests (gave up after 3 attempts)',
    });
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([5_000, 5_000]);
  });

  it('reports a 429 without Retry-After as rate-limited for the provider’s default back-off', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 429, 'Edge: Too Many Requests', { 'content-type': 'text/plain' }));
    const { provider } = providerFor('yahoo', server.baseUrl, { maxAttempts: 2 });

    // Act
    const outcome = await provider.fetchDailyBars(request);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 60_000 });
  });

  it('retries a 500 and returns the bars of the 200 that follows', async () => {
    // Prepare
    server.handle((_req, res, i) =>
      i === 0 ? send(res, 500, 'Internal Server Error') : send(res, 200, aaplBody),
    );
    const { provider, clock } = providerFor('yahoo', server.baseUrl, { baseDelayMs: 1_000 });

    // Act
    const outcome = expectOk(await provider.fetchDailyBars(request));

    // Assess
    expect(outcome.bars).toHaveLength(253);
    expect(outcome.requests).toBe(2);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('gives up on a response that never comes as a retryable failure', async () => {
    // Prepare
    server.handle(() => {});
    const { provider } = providerFor('yahoo', server.baseUrl, { timeoutMs: 100, maxAttempts: 2 });

    // Act
    const outcome = await provider.fetchDailyBars(request);

    // Assess
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'yahoo AAPL 2020-01-01..2020-12-31: timed out after 100 ms (gave up after 2 attempts)',
      retryable: true,
    });
  });

  it('reports a truncated JSON body as an invalid response, not a crash', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 200, aaplBody.slice(0, 5_000)));
    const { provider } = providerFor('yahoo', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars(request);

    // Assess
    expect(outcome.kind).toBe('invalid-response');
    expect(outcome.kind !== 'ok' && outcome.reason).toMatch(
      /^yahoo AAPL 2020-01-01\.\.2020-12-31: body is not JSON \(.+; 5000 bytes\)$/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('reports a chart of the wrong shape as an invalid response naming the field', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 200, '{"chart":{"result":[{"meta":{}}],"error":null}}'));
    const { provider } = providerFor('yahoo', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars(request);

    // Assess
    expect(outcome.kind).toBe('invalid-response');
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('chart.result.0.meta.symbol');
  });

  it('reports series shorter than the timestamps as an invalid response', async () => {
    // Prepare
    const body = await editedQqq((result) => {
      result.timestamp.push(1578061800);
    });
    server.handle((_req, res) => send(res, 200, body));
    const { provider } = providerFor('yahoo', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars({ symbol: 'QQQ', start: '2020-01-01', end: '2020-01-03' });

    // Assess
    expect(outcome).toEqual({
      kind: 'invalid-response',
      reason: 'yahoo QQQ 2020-01-01..2020-01-03: indicators.quote[0].open has 1 values for 2 timestamps',
    });
  });

  it('reports a Yahoo 400 as a failure not worth retrying, with Yahoo’s words', async () => {
    // Prepare
    const error =
      '{"chart":{"result":null,"error":{"code":"Bad Request","description":"Data doesn\'t exist"}}}';
    server.handle((_req, res) => send(res, 400, error));
    const { provider } = providerFor('yahoo', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars(request);

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', retryable: false });
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('HTTP 400 Bad Request: {"chart"');
    expect(server.requests).toHaveLength(1);
  });

  it('passes a price missing from an otherwise full bar on as NaN, for validation to reject', async () => {
    // Prepare
    const body = await editedQqq((result) => {
      result.indicators.quote[0].volume = [null];
    });
    server.handle((_req, res) => send(res, 200, body));
    const { provider } = providerFor('yahoo', server.baseUrl);

    // Act
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'QQQ', start: '2020-01-02', end: '2020-01-02' }),
    );

    // Assess
    expect(outcome.bars[0]?.volume).toBeNaN();
    expect(outcome.bars[0]?.close).toBe(216.16000366210938);
    expect(outcome.droppedNullBars).toBe(0);
  });

  it('keeps the later of two bars Yahoo lists for one session', async () => {
    // Prepare: the live bar of a session in progress is stamped at the last trade, not the open
    const body = await editedQqq((result) => {
      const quote = result.indicators.quote[0];
      result.timestamp.push(1577995200);
      for (const name of ['open', 'high', 'low', 'close'] as const) quote[name].push(217);
      quote.volume.push(1);
      result.indicators.adjclose[0].adjclose.push(210);
    });
    server.handle((_req, res) => send(res, 200, body));
    const { provider } = providerFor('yahoo', server.baseUrl);

    // Act
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'QQQ', start: '2020-01-02', end: '2020-01-02' }),
    );

    // Assess
    expect(outcome.bars).toEqual([
      { sessionDate: '2020-01-02', open: 217, high: 217, low: 217, close: 217, adjClose: 210, volume: 1 },
    ]);
  });

  it('throws for a request whose end is before its start, before any request is sent', async () => {
    // Prepare
    const { provider } = providerFor('yahoo', server.baseUrl);
    server.handle((_req, res) => send(res, 200, aaplBody));

    // Act
    const act = provider.fetchDailyBars({ symbol: 'AAPL', start: '2020-02-01', end: '2020-01-01' });

    // Assess
    await expect(act).rejects.toThrow(InvalidFetchRequestError);
    await expect(act).rejects.toThrow(/yahoo: invalid fetch request .*end: end is before start/);
    expect(server.requests).toHaveLength(0);
  });
});
