import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import {
  type CandleBody,
  type ChartBody,
  frozenAt,
  readFixture,
  readJson,
  shapeOf,
} from './support/harness.ts';

/** The query the recordings were made with: 2020-01-01 .. 2021-01-04 (both midnight UTC). */
const YEAR_2020 =
  'period1=1577836800&period2=1609718400&interval=1d&events=div%7Csplit&includeAdjustedClose=true';

let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({ now: frozenAt('2025-07-30T12:00:00Z') });
});
afterAll(async () => {
  await server.stop();
});

async function chart(symbol: string, query: string): Promise<Response> {
  return fetch(`${server.yahooBaseUrl}/v8/finance/chart/${encodeURIComponent(symbol)}?${query}`);
}

describe('Yahoo wire format of the market server', () => {
  it('has the shape of the recorded BTC-USD 2020 chart, key for key', async () => {
    // Prepare
    const recorded = JSON.parse(
      await readFixture('yahoo', 'historicalv8-BTC-USD-2020-01-01-to-2021-01-04.body.json'),
    );

    // Act
    const served = await readJson<ChartBody>(chart('BTC-USD', YEAR_2020));

    // Assess
    expect(shapeOf(served)).toEqual(shapeOf(recorded));
    expect(served.chart.result[0].timestamp).toEqual(recorded.chart.result[0].timestamp);
  });

  it('has the shape of the recorded AAPL 2020 chart apart from events, which it never sends', async () => {
    // Prepare
    const recorded = JSON.parse(
      await readFixture('yahoo', 'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json'),
    );
    delete recorded.chart.result[0].events;

    // Act
    const served = await readJson<ChartBody>(chart('AAPL', YEAR_2020));

    // Assess
    expect(shapeOf(served)).toEqual(shapeOf(recorded));
    expect(served.chart.result[0].timestamp).toEqual(recorded.chart.result[0].timestamp);
    expect(served.chart.result[0].meta).toMatchObject({
      currency: 'USD',
      symbol: 'AAPL',
      exchangeTimezoneName: 'America/New_York',
      dataGranularity: '1d',
    });
  });

  it('answers an empty range without a timestamp key and with an empty quote, like the recording', async () => {
    // Prepare: Saturday 2025-02-01 to Sunday 2025-02-02, as in the recorded request
    const recorded = JSON.parse(
      await readFixture(
        'yahoo',
        'chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.body.json',
      ),
    );

    // Act
    const served = await readJson<ChartBody>(
      chart('AAPL', 'period1=1738368000&period2=1738540799&interval=1d'),
    );

    // Assess
    const [result] = served.chart.result;
    expect(Object.keys(result)).toEqual(Object.keys(recorded.chart.result[0]));
    expect(result.indicators.quote).toEqual(recorded.chart.result[0].indicators.quote);
    expect(served.chart.error).toBeNull();
  });

  it('answers a missing symbol with the recorded 404 body, byte for byte', async () => {
    // Prepare
    const missing = await startMarketServer({ missingSymbols: ['MDLY'] });
    const recorded = await readFixture('yahoo', 'historicalv8-MDLY-2020-01-01-to-2021-01-04.body.json');

    // Act
    const response = await fetch(`${missing.yahooBaseUrl}/v8/finance/chart/MDLY?${YEAR_2020}`);
    const body = await response.text();
    await missing.stop();

    // Assess
    expect(response.status).toBe(404);
    expect(body).toBe(recorded.trim());
  });

  it('stamps a Seoul listing at 09:00 KST and names Asia/Seoul', async () => {
    // Act: from 2024-03-04 00:00Z to a second before the next day's open
    const served = await readJson<ChartBody>(
      chart('005930.KS', 'period1=1709510400&period2=1709596799&interval=1d'),
    );

    // Assess
    const [result] = served.chart.result;
    expect(result.timestamp).toEqual([Date.parse('2024-03-04T00:00:00Z') / 1000]);
    expect(result.meta).toMatchObject({
      currency: 'KRW',
      exchangeTimezoneName: 'Asia/Seoul',
      gmtoffset: 32_400,
    });
  });
});

describe('Upbit wire format of the market server', () => {
  const RECORDED = 'candles-days-KRW-BTC-to-2025-07-30T00+0900-count2';
  const RECORDED_QUERY = 'market=KRW-BTC&count=2&to=2025-07-30T00%3A00%3A00%2B09%3A00';

  it('has the shape, the candle times and the Remaining-Req header of the recorded day candles', async () => {
    // Prepare
    const recorded = JSON.parse(await readFixture('upbit', `${RECORDED}.body.json`));
    const fresh = await startMarketServer({ now: frozenAt('2025-07-30T17:36:32Z') });

    // Act
    const response = await fetch(`${fresh.upbitBaseUrl}/v1/candles/days?${RECORDED_QUERY}`);
    const served = await readJson<CandleBody[]>(response);
    await fresh.stop();

    // Assess
    expect(shapeOf(served)).toEqual(shapeOf(recorded));
    const times = (candles: CandleBody[]) =>
      candles.map((c) => [c.candle_date_time_utc, c.candle_date_time_kst]);
    expect(times(served)).toEqual(times(recorded));
    expect(response.headers.get('remaining-req')).toBe('group=candles; min=600; sec=9');
    expect(response.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('answers an unknown market with 404 and Upbit’s error body', async () => {
    // Prepare
    const missing = await startMarketServer({ missingSymbols: ['KRW-NOPE'] });

    // Act
    const response = await fetch(`${missing.upbitBaseUrl}/v1/candles/days?market=KRW-NOPE&count=1`);
    const body = await response.json();
    await missing.stop();

    // Assess
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: { name: 404, message: 'Code not found' } });
  });
});
