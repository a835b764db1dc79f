import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { type CandleBody, type ChartBody, frozenAt, readJson } from './support/harness.ts';

let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({ now: frozenAt('2025-07-30T12:00:00Z') });
});
afterAll(async () => {
  await server.stop();
});

const datesOf = (bars: { sessionDate: string }[]) => bars.map((b) => b.sessionDate);

describe('Sessions served by the market server', () => {
  it('gives a New York symbol exactly the 252 NYSE sessions of 2024, none on Independence Day', () => {
    // Act
    const dates = datesOf(server.barsFor('yahoo', 'AAPL', '2024-01-01', '2024-12-31'));

    // Assess
    expect(dates).toHaveLength(252);
    expect(dates).toEqual(getCalendar('XNYS').sessionsBetween('2024-01-01', '2024-12-31'));
    expect(dates).not.toContain('2024-07-04');
  });

  it('gives a Seoul symbol no bar during the 2024 Seollal holidays', () => {
    // Act
    const dates = datesOf(server.barsFor('yahoo', '005930.KS', '2024-02-01', '2024-02-29'));

    // Assess
    expect(dates).toEqual(getCalendar('XKRX').sessionsBetween('2024-02-01', '2024-02-29'));
    for (const holiday of ['2024-02-09', '2024-02-12']) expect(dates).not.toContain(holiday);
  });

  it('gives KRW-BTC every one of the 366 days of 2024', () => {
    // Act
    const dates = datesOf(server.barsFor('upbit', 'KRW-BTC', '2024-01-01', '2024-12-31'));

    // Assess
    expect(dates).toHaveLength(366);
    expect(new Set(dates).size).toBe(366);
  });

  it('serves nothing whose close plus publication lag is after the server’s now', async () => {
    // Prepare: Friday 2024-03-15 17:30 EDT, before 16:00 + 2 h lag has passed
    const at = new Date('2024-03-15T21:30:00Z');
    const early = await startMarketServer({ now: () => at.getTime() });

    // Act
    const yahoo = early.barsFor('yahoo', 'AAPL', '2024-03-01', '2024-12-31');
    const upbit = await readJson<CandleBody[]>(
      fetch(`${early.upbitBaseUrl}/v1/candles/days?market=KRW-BTC&count=3`),
    );
    const chart = await readJson<ChartBody>(
      fetch(`${early.yahooBaseUrl}/v8/finance/chart/AAPL?period1=1709251200&period2=1735689600`),
    );
    await early.stop();

    // Assess
    expect(yahoo.at(-1)?.sessionDate).toBe('2024-03-14');
    expect(chart.chart.result[0].timestamp?.at(-1)).toBe(Date.parse('2024-03-14T13:30:00Z') / 1000);
    expect(upbit.map((c) => c.candle_date_time_utc)).toEqual([
      '2024-03-14T00:00:00',
      '2024-03-13T00:00:00',
      '2024-03-12T00:00:00',
    ]);
  });

  it('stamps New York bars at the 09:30 open in either offset, and crypto at midnight UTC', async () => {
    // Act: 2024-03-08 (EST) .. 2024-03-11 (EDT)
    const get = async (symbol: string) =>
      (
        await readJson<ChartBody>(
          fetch(`${server.yahooBaseUrl}/v8/finance/chart/${symbol}?period1=1709856000&period2=1710201599`),
        )
      ).chart.result[0].timestamp;

    // Assess
    expect(await get('AAPL')).toEqual([
      Date.parse('2024-03-08T14:30:00Z') / 1000,
      Date.parse('2024-03-11T13:30:00Z') / 1000,
    ]);
    expect(await get('BTC-USD')).toEqual(
      ['08', '09', '10', '11'].map((d) => Date.parse(`2024-03-${d}T00:00:00Z`) / 1000),
    );
  });

  it('selects bars by open instant with both period ends inclusive, like the recorded BTC-USD chart', async () => {
    // Act: period1 one second after the 2024-03-08 open, period2 exactly at the 2024-03-11 open
    const response = await fetch(
      `${server.yahooBaseUrl}/v8/finance/chart/BTC-USD?period1=1709856001&period2=${Date.parse('2024-03-11T00:00:00Z') / 1000}`,
    );

    // Assess
    const { timestamp = [] } = (await readJson<ChartBody>(response)).chart.result[0];
    expect(timestamp.map((t) => new Date(t * 1000).toISOString().slice(0, 10))).toEqual([
      '2024-03-09',
      '2024-03-10',
      '2024-03-11',
    ]);
  });
});
