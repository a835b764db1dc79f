import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type MarketServer,
  MarketServerConfigError,
  startMarketServer,
} from '#shared/market-server/index.ts';
import { type CandleBody, frozenAt, readJson } from './support/harness.ts';

const now = frozenAt('2025-07-30T12:00:00Z');
let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({ now, upbitRequestsPerSecond: 1_000 });
});
afterAll(async () => {
  await server.stop();
});

const candles = (s: MarketServer, query: string) => fetch(`${s.upbitBaseUrl}/v1/candles/days?${query}`);
const utcTimes = async (response: Response) =>
  (await readJson<CandleBody[]>(response)).map((c) => c.candle_date_time_utc);

describe('Market server options and controls', () => {
  it('refuses a fault rate above 1 at start and at run time', async () => {
    await expect(startMarketServer({ faults: { rate5xx: 1.5 } })).rejects.toThrow(MarketServerConfigError);
    expect(() => server.setFaults({ latencyMs: { min: 10, max: 5 } })).toThrow(/invalid faults: latencyMs/);
  });

  it('counts requests by route and status, and faults by kind', async () => {
    // Prepare
    const counted = await startMarketServer({ now, faults: { failingSymbols: { XLE: 503 } } });

    // Act
    for (const path of [
      '/yahoo/v8/finance/chart/XLE?period1=0&period2=1',
      '/yahoo/v8/finance/chart/SPY?period1=0&period2=1',
      '/nowhere',
    ]) {
      await (await fetch(`${counted.url}${path}`)).text();
    }
    const stats = counted.stats();
    await counted.stop();

    // Assess
    expect(stats).toEqual({
      total: 3,
      byRoute: { 'yahoo-chart': { '503': 1, '200': 1 }, unknown: { '404': 1 } },
      faults: { failingSymbol: 1 },
    });
  });

  it('stops promptly while a request hangs, closing its connection', async () => {
    // Prepare
    const hanging = await startMarketServer({ now, faults: { hangRate: 1 } });
    const settled = fetch(`${hanging.yahooBaseUrl}/v8/finance/chart/SPY?period1=0&period2=1`).then(
      () => 'answered',
      () => 'connection closed',
    );
    // Wait until the request is being held (a fixed sleep lost this race on a loaded machine).
    await vi.waitFor(() => expect(hanging.stats().byRoute['yahoo-chart']).toBeDefined(), {
      timeout: 10_000,
      interval: 10,
    });

    // Act: stop() resolves only once every connection is closed, so a hang cannot hold it up
    await hanging.stop();

    // Assess
    expect(await settled).toBe('connection closed');
    expect(hanging.stats().byRoute['yahoo-chart']).toEqual({ hang: 1 });
  });

  it('makes the same fault decisions for the same seed and requests', async () => {
    // Prepare
    const statuses = async (seed: string) => {
      const flaky = await startMarketServer({ now, seed, faults: { rate5xx: 0.5 } });
      const codes = [];
      for (let i = 0; i < 20; i++) {
        const response = await fetch(`${flaky.yahooBaseUrl}/v8/finance/chart/S${i % 4}?period1=0&period2=1`);
        await response.text();
        codes.push(response.status);
      }
      await flaky.stop();
      return codes;
    };

    // Act
    const [first, again, other] = [await statuses('a'), await statuses('a'), await statuses('b')];

    // Assess
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 502, 503]));
  });

  it('throws on a barsFor date that is not YYYY-MM-DD', () => {
    expect(() => server.barsFor('yahoo', 'SPY', '2024-1-1', '2024-12-31')).toThrow(RangeError);
  });
});

describe('Upbit day-candle requests', () => {
  it('accepts `to` with Z, with +09:00, without an offset (UTC) and with a space', async () => {
    // Act
    const forms = [
      '2024-03-10T00:00:00Z',
      '2024-03-10T09:00:00+09:00',
      '2024-03-10T00:00:00',
      '2024-03-10 00:00:00',
    ];
    const answers = await Promise.all(
      forms.map(async (to) =>
        utcTimes(await candles(server, `market=KRW-BTC&count=2&to=${encodeURIComponent(to)}`)),
      ),
    );

    // Assess
    for (const answer of answers) expect(answer).toEqual(['2024-03-09T00:00:00', '2024-03-08T00:00:00']);
  });

  it('rejects an unencoded + offset and a count above 200 with 400', async () => {
    // Act
    const unencoded = await candles(server, 'market=KRW-BTC&count=2&to=2024-03-10T09:00:00+09:00');
    const tooMany = await candles(server, 'market=KRW-BTC&count=201');

    // Assess
    expect([unencoded.status, tooMany.status]).toEqual([400, 400]);
    expect(await unencoded.json()).toMatchObject({ error: { name: 400 } });
  });

  it('carries yesterday’s close as prev_closing_price, with the change from it', async () => {
    // Act
    const [newer, older] = await readJson<CandleBody[]>(
      candles(server, 'market=KRW-BTC&count=2&to=2024-03-10T00:00:00Z'),
    );
    if (newer === undefined || older === undefined) throw new Error('expected two candles');

    // Assess
    expect(newer.prev_closing_price).toBe(older.trade_price);
    expect(newer.change_price).toBeCloseTo(newer.trade_price - older.trade_price, 6);
  });

  it('counts down Remaining-Req within a second and answers 429 past the limit', async () => {
    // Prepare: a wall clock that stands still, so that the burst falls in one second however slow
    const limited = await startMarketServer({
      now,
      upbitRequestsPerSecond: 3,
      upbitWallClock: () => 1_000_500,
    });

    // Act
    const responses = await Promise.all(Array.from({ length: 4 }, () => candles(limited, 'market=KRW-BTC')));
    const bodies = await Promise.all(responses.map((r) => readJson<unknown>(r)));
    await limited.stop();

    // Assess: in arrival order, which concurrent requests need not keep
    const answers = responses.map((r, i) => ({
      status: r.status,
      header: r.headers.get('remaining-req'),
      body: bodies[i],
    }));
    answers.sort((a, b) => (b.header ?? '').localeCompare(a.header ?? '') || a.status - b.status);
    expect(answers.map((a) => [a.status, a.header])).toEqual(
      [
        [200, 2],
        [200, 1],
        [200, 0],
        [429, 0],
      ].map(([status, sec]) => [status, `group=candles; min=600; sec=${sec}`]),
    );
    expect(answers[3]?.body).toEqual({
      error: { name: 'too_many_requests', message: 'Too many API requests.' },
    });
  });
});
