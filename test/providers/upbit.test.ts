import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SeenRequest, send, startTestServer, type TestServer } from '#test/http/support/test-server.ts';
import { expectOk, providerFor, readFixture } from './support/harness.ts';

const RECORDED = 'candles-days-KRW-BTC-to-2025-07-30T00+0900-count2';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** The headers of a recorded `.http` response (lower-case names), without status line or body. */
function recordedHeaders(http: string): Record<string, string> {
  const [head = ''] = http.split(/\r?\n\r?\n/);
  const lines = head.split(/\r?\n/).slice(1);
  return Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).trim().toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
}

function utcDay(first: string, offset: number): string {
  return new Date(Date.parse(`${first}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}

/**
 * An Upbit stand-in holding `days` daily KRW-BTC candles from `first`: newest first, at most `count`,
 * strictly before `to` (the cursor is exclusive), like the real endpoint.
 */
function candleHistory(
  first: string,
  days: number,
  headers: (index: number) => Record<string, string> = () => ({}),
) {
  return (request: SeenRequest, response: ServerResponse, index: number) => {
    const to = Date.parse(request.url.searchParams.get('to') ?? '');
    const count = Number(request.url.searchParams.get('count'));
    const candles = [];
    for (let i = days - 1; i >= 0 && candles.length < count; i--) {
      const day = utcDay(first, i);
      if (Date.parse(`${day}T00:00:00Z`) >= to) continue;
      candles.push({
        market: 'KRW-BTC',
        candle_date_time_utc: `${day}T00:00:00`,
        candle_date_time_kst: `${day}T09:00:00`,
        opening_price: 1_000 + i,
        high_price: 1_100 + i,
        low_price: 900 + i,
        trade_price: 1_050 + i,
        timestamp: Date.parse(`${day}T23:59:59Z`),
        candle_acc_trade_price: 1e9,
        candle_acc_trade_volume: 10 + i / 100,
      });
    }
    send(response, 200, JSON.stringify(candles), headers(index));
  };
}

describe('Upbit day-candle provider', () => {
  it('reads the recorded KRW-BTC response as UTC-dated bars without an adjusted close', async () => {
    // Prepare
    const body = await readFixture('upbit', `${RECORDED}.body.json`);
    const headers = recordedHeaders(await readFixture('upbit', `${RECORDED}.http`));
    server.handle((_req, res) => send(res, 200, body, { 'remaining-req': headers['remaining-req'] ?? '' }));
    const { provider, clock } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'KRW-BTC', start: '2025-07-28', end: '2025-07-29' }),
    );

    // Assess
    expect(server.requests.map((r) => r.url.search)).toEqual([
      '?market=KRW-BTC&count=2&to=2025-07-30T00%3A00%3A00Z',
    ]);
    expect(outcome).toEqual({
      kind: 'ok',
      bars: [
        {
          sessionDate: '2025-07-28',
          open: 162548000,
          high: 162985000,
          low: 161391000,
          close: 162483000,
          adjClose: null,
          volume: 1461.59937798,
        },
        {
          sessionDate: '2025-07-29',
          open: 162483000,
          high: 163800000,
          low: 162034000,
          close: 163158000,
          adjClose: null,
          volume: 1487.53432374,
        },
      ],
      splits: [],
      dividends: [],
      droppedNullBars: 0,
      requests: 1,
    });
    expect(clock.sleeps).toEqual([]); // sec=9: no need to wait
  });

  it('pages back 200 candles at a time, each next `to` being the oldest candle returned', async () => {
    // Prepare: 600 days from 2023-01-01 to 2024-08-22
    server.handle(candleHistory('2023-01-01', 600));
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'KRW-BTC', start: '2023-01-01', end: '2024-08-22' }),
    );

    // Assess
    expect(
      server.requests.map((r) => [r.url.searchParams.get('to'), r.url.searchParams.get('count')]),
    ).toEqual([
      ['2024-08-23T00:00:00Z', '200'],
      ['2024-02-05T00:00:00Z', '200'],
      ['2023-07-20T00:00:00Z', '200'],
    ]);
    expect(outcome.bars).toHaveLength(600);
    expect(outcome.bars[0]).toMatchObject({ sessionDate: '2023-01-01', open: 1_000, close: 1_050 });
    expect(outcome.bars.at(-1)).toMatchObject({ sessionDate: '2024-08-22', open: 1_599 });
    expect(new Set(outcome.bars.map((b) => b.sessionDate)).size).toBe(600);
    expect(outcome.requests).toBe(3);
  });

  it('asks only for the days still missing and leaves older candles out', async () => {
    // Prepare: 600 days of history, a range of its last 250
    server.handle(candleHistory('2023-01-01', 600));
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'KRW-BTC', start: '2023-12-17', end: '2024-08-22' }),
    );

    // Assess
    expect(server.requests.map((r) => r.url.searchParams.get('count'))).toEqual(['200', '50']);
    expect(outcome.bars).toHaveLength(250);
    expect(outcome.bars[0]?.sessionDate).toBe('2023-12-17');
  });

  it('stops when a page comes back short because the history begins inside the range', async () => {
    // Prepare: listed 2024-01-01, 250 days of candles; the range asks for more
    server.handle(candleHistory('2024-01-01', 250));
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'KRW-BTC', start: '2023-01-01', end: '2024-09-06' }),
    );

    // Assess
    expect(server.requests).toHaveLength(2);
    expect(outcome.bars).toHaveLength(250);
    expect(outcome.bars[0]?.sessionDate).toBe('2024-01-01');
  });

  it('waits a second before the next page when Remaining-Req says none remain this second', async () => {
    // Prepare
    server.handle(
      candleHistory('2023-01-01', 300, (i) => ({
        'remaining-req': `group=candles; min=600; sec=${i === 0 ? 0 : 9}`,
      })),
    );
    const { provider, clock } = providerFor('upbit', server.baseUrl);

    // Act
    await provider.fetchDailyBars({ symbol: 'KRW-BTC', start: '2023-01-01', end: utcDay('2023-01-01', 299) });

    // Assess
    expect(server.requests).toHaveLength(2);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('reports a 429 as rate-limited once the attempts are used', async () => {
    // Prepare
    server.handle((_req, res) =>
      send(res, 429, '{"error":{"name":"too_many_requests","message":"Too many requests"}}'),
    );
    const { provider } = providerFor('upbit', server.baseUrl, { maxAttempts: 2 });

    // Act
    const outcome = await provider.fetchDailyBars({
      symbol: 'KRW-BTC',
      start: '2025-07-28',
      end: '2025-07-29',
    });

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 10_000 });
    expect(server.requests).toHaveLength(2);
  });

  it('reports a 418 block as rate-limited for five minutes, without retrying', async () => {
    // Prepare
    server.handle((_req, res) =>
      send(res, 418, '{"error":{"name":"blocked","message":"blocked for 300 seconds"}}'),
    );
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars({
      symbol: 'KRW-BTC',
      start: '2025-07-28',
      end: '2025-07-29',
    });

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 300_000 });
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('blocked for 300 seconds');
    expect(server.requests).toHaveLength(1);
  });

  it('reports an unknown market as not found, with Upbit’s words', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 404, '{"error":{"name":404,"message":"Code not found"}}'));
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars({
      symbol: 'KRW-NOPE',
      start: '2025-07-28',
      end: '2025-07-29',
    });

    // Assess
    expect(outcome).toEqual({
      kind: 'not-found',
      reason: 'upbit KRW-NOPE 2025-07-28..2025-07-29: 404: Code not found',
    });
  });

  it('reports a candle without a close as an invalid response naming the field', async () => {
    // Prepare
    const body = JSON.parse(await readFixture('upbit', `${RECORDED}.body.json`));
    delete body[1].trade_price;
    server.handle((_req, res) => send(res, 200, JSON.stringify(body)));
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars({
      symbol: 'KRW-BTC',
      start: '2025-07-28',
      end: '2025-07-29',
    });

    // Assess
    expect(outcome.kind).toBe('invalid-response');
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('1.trade_price');
  });

  it('reports minute candles served for day candles as an invalid response', async () => {
    // Prepare
    const minute = await readFixture('upbit', 'candles-minutes-1-KRW-BTC-2020-02-25-single.json');
    server.handle((_req, res) => send(res, 200, `[${minute}]`));
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars({
      symbol: 'KRW-BTC',
      start: '2020-02-25',
      end: '2020-02-25',
    });

    // Assess
    expect(outcome).toEqual({
      kind: 'invalid-response',
      reason:
        'upbit KRW-BTC 2020-02-25..2020-02-25: unexpected candle shape: 0.candle_date_time_utc: expected a day start yyyy-MM-ddT00:00:00',
    });
  });

  it('reports a server that ignores the cursor as an invalid response instead of paging forever', async () => {
    // Prepare: always the same 200 candles, whatever `to` says
    server.handle((req, res) => {
      const all = new URL(req.url);
      all.searchParams.set('to', '2024-08-23T00:00:00Z');
      candleHistory('2023-01-01', 600)({ ...req, url: all }, res, 0);
    });
    const { provider } = providerFor('upbit', server.baseUrl);

    // Act
    const outcome = await provider.fetchDailyBars({
      symbol: 'KRW-BTC',
      start: '2023-01-01',
      end: '2024-08-22',
    });

    // Assess
    expect(outcome).toEqual({
      kind: 'invalid-response',
      reason:
        'upbit KRW-BTC 2023-01-01..2024-08-22: candle 0 at 2024-08-22T00:00:00 is not older than 2024-02-05T00:00:00',
    });
    expect(server.requests).toHaveLength(2);
  });
});
