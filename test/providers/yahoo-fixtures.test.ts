import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchRequest } from '#shared/providers/index.ts';
import { send, startTestServer, type TestServer } from '#test/http/support/test-server.ts';
import { expectOk, FIXTURES_DIR, providerFor, readFixture, weekdays } from './support/harness.ts';

/** Every recorded Yahoo body, with the request that matches the range it was recorded for. */
const CASES: Record<string, FetchRequest> = {
  'chart-AAPL-2020-08-31-to-2020-11-07.body.json': { symbol: 'AAPL', start: '2020-08-31', end: '2020-11-06' },
  'chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.body.json': {
    symbol: 'AAPL',
    start: '2025-02-01',
    end: '2025-02-02',
  },
  'chart-BTC-USD-2020-01-01-to-2020-01-03.body.json': {
    symbol: 'BTC-USD',
    start: '2020-01-01',
    end: '2020-01-03',
  },
  'chart-QQQ-2020-01-01-to-2020-01-03.body.json': { symbol: 'QQQ', start: '2020-01-01', end: '2020-01-02' },
  'chart-WSU.DE-2023-08-04-to-2023-08-09.body.json': {
    symbol: 'WSU.DE',
    start: '2023-08-04',
    end: '2023-08-08',
  },
  'historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.body.json': {
    symbol: 'MSFT',
    start: '2021-02-01',
    end: '2022-01-31',
  },
  'historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json': {
    symbol: 'NVDA',
    start: '2021-02-01',
    end: '2022-01-31',
  },
  'historicalv8-0P000071W8.TO-2020-01-01-to-2021-01-04.body.json': {
    symbol: '0P000071W8.TO',
    start: '2020-01-01',
    end: '2020-12-31',
  },
  'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json': {
    symbol: 'AAPL',
    start: '2020-01-01',
    end: '2020-12-31',
  },
  'historicalv8-BTC-USD-2020-01-01-to-2021-01-04.body.json': {
    symbol: 'BTC-USD',
    start: '2020-01-01',
    end: '2020-12-31',
  },
  'historicalv8-EURUSD=X-2020-01-01-to-2021-01-04.body.json': {
    symbol: 'EURUSD=X',
    start: '2020-01-01',
    end: '2020-12-31',
  },
  'historicalv8-MDLY-2020-01-01-to-2021-01-04.body.json': {
    symbol: 'MDLY',
    start: '2020-01-01',
    end: '2020-12-31',
  },
  'historicalv8-QQQ-2020-01-01-to-2021-01-04.body.json': {
    symbol: 'QQQ',
    start: '2020-01-01',
    end: '2020-12-31',
  },
  'historicalv8-WSKT.JK-2020-01-01-to-2021-01-04.body.json': {
    symbol: 'WSKT.JK',
    start: '2020-01-01',
    end: '2020-12-31',
  },
};

const NYSE_HOLIDAYS_2020 = [
  '2020-01-01',
  '2020-01-20',
  '2020-02-17',
  '2020-04-10',
  '2020-05-25',
  '2020-07-03',
  '2020-09-07',
  '2020-11-26',
  '2020-12-25',
];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Serves `file` over real HTTP (MDLY as the 404 it was recorded as) and fetches its case through the provider. */
async function fetchFixture(file: string, request: FetchRequest | undefined = CASES[file]) {
  const body = await readFixture('yahoo', file);
  server.handle((_req, res) => send(res, file.includes('MDLY') ? 404 : 200, body));
  const { provider } = providerFor('yahoo', server.baseUrl);
  if (request === undefined) throw new Error(`no case for ${file}`);
  return provider.fetchDailyBars(request);
}

describe('Yahoo chart provider on recorded responses', () => {
  it('has a case for every recorded Yahoo body', async () => {
    const files = (await readdir(join(FIXTURES_DIR, 'yahoo'))).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  it('asks for the padded daily range with dividends, splits and adjusted closes', async () => {
    // Act
    await fetchFixture('historicalv8-EURUSD=X-2020-01-01-to-2021-01-04.body.json');

    // Assess: 2019-12-31T00:00Z to 2021-01-02T00:00Z; the symbol's "=" is encoded
    const [seen] = server.requests;
    expect(seen?.url.pathname).toBe('/v8/finance/chart/EURUSD%3DX');
    expect(seen?.url.search).toBe(
      '?period1=1577750400&period2=1609545600&interval=1d&events=div%7Csplit&includeAdjustedClose=true',
    );
  });

  it('reads AAPL 2020 as exactly the 253 NYSE sessions of 2020', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json'));

    // Assess
    const sessions = weekdays('2020-01-01', '2020-12-31').filter((d) => !NYSE_HOLIDAYS_2020.includes(d));
    expect(outcome.bars.map((b) => b.sessionDate)).toEqual(sessions);
    expect(outcome.bars).toHaveLength(253);
    expect(outcome.bars[0]).toEqual({
      sessionDate: '2020-01-02',
      open: 74.05999755859375,
      high: 75.1500015258789,
      low: 73.79750061035156,
      close: 75.0875015258789,
      adjClose: 73.98847198486328,
      volume: 135480400,
    });
    expect(outcome.bars.at(-1)).toMatchObject({ sessionDate: '2020-12-31', close: 132.69000244140625 });
    expect(outcome).toMatchObject({ droppedNullBars: 0, requests: 1 });
  });

  it('keeps the AAPL 4:1 split of 2020-08-31 and its four dividends on their session dates', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json'));

    // Assess
    expect(outcome.splits).toEqual([{ sessionDate: '2020-08-31', numerator: 4, denominator: 1 }]);
    expect(outcome.dividends).toEqual([
      { sessionDate: '2020-02-07', amount: 0.1925 },
      { sessionDate: '2020-05-08', amount: 0.205 },
      { sessionDate: '2020-08-07', amount: 0.205 },
      { sessionDate: '2020-11-06', amount: 0.205 },
    ]);
    const splitDay = outcome.bars.find((b) => b.sessionDate === '2020-08-31');
    expect(splitDay).toMatchObject({ open: 127.58000183105469, close: 129.0399932861328 });
  });

  it('reads the autumn 2020 AAPL recording with its split and dividend', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('chart-AAPL-2020-08-31-to-2020-11-07.body.json'));

    // Assess
    expect(outcome.bars).toHaveLength(49);
    expect(outcome.bars[0]).toMatchObject({ sessionDate: '2020-08-31', adjClose: 125.82673645019531 });
    expect(outcome.bars.at(-1)?.sessionDate).toBe('2020-11-06');
    expect(outcome.splits).toEqual([{ sessionDate: '2020-08-31', numerator: 4, denominator: 1 }]);
    expect(outcome.dividends).toEqual([{ sessionDate: '2020-11-06', amount: 0.205 }]);
  });

  it('drops the four all-null BTC-USD days, counts them, and leaves 2021 out of a 2020 range', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('historicalv8-BTC-USD-2020-01-01-to-2021-01-04.body.json'));

    // Assess
    const dates = outcome.bars.map((b) => b.sessionDate);
    expect(outcome.droppedNullBars).toBe(4);
    expect(outcome.bars).toHaveLength(366 - 4);
    for (const gap of ['2020-04-17', '2020-10-09', '2020-10-12', '2020-10-13'])
      expect(dates).not.toContain(gap);
    expect(dates.at(-1)).toBe('2020-12-31');
    expect(outcome.bars.at(-1)).toMatchObject({
      open: 28841.57421875,
      close: 29001.720703125,
      volume: 46754964848,
    });
  });

  it('includes the 2021-01-04 BTC-USD bar when the range reaches it', async () => {
    // Act
    const outcome = expectOk(
      await fetchFixture('historicalv8-BTC-USD-2020-01-01-to-2021-01-04.body.json', {
        symbol: 'BTC-USD',
        start: '2020-01-01',
        end: '2021-01-04',
      }),
    );

    // Assess
    expect(outcome.bars).toHaveLength(370 - 4);
    expect(outcome.bars.at(-1)).toMatchObject({ sessionDate: '2021-01-04', close: 31971.9140625 });
  });

  it('reads the three-day BTC-USD recording at UTC midnights', async () => {
    const outcome = expectOk(await fetchFixture('chart-BTC-USD-2020-01-01-to-2020-01-03.body.json'));
    expect(outcome.bars.map((b) => [b.sessionDate, b.close])).toEqual([
      ['2020-01-01', 7200.17431640625],
      ['2020-01-02', 6985.47021484375],
      ['2020-01-03', 7344.88427734375],
    ]);
  });

  it('keeps the three QQQ dividends of 2020', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('historicalv8-QQQ-2020-01-01-to-2021-01-04.body.json'));

    // Assess
    expect(outcome.bars).toHaveLength(253);
    expect(outcome.bars[0]).toMatchObject({
      sessionDate: '2020-01-02',
      open: 214.39999389648438,
      volume: 30969400,
    });
    expect(outcome.dividends).toEqual([
      { sessionDate: '2020-03-23', amount: 0.363 },
      { sessionDate: '2020-06-22', amount: 0.424 },
      { sessionDate: '2020-12-21', amount: 0.561 },
    ]);
    expect(outcome.splits).toEqual([]);
  });

  it('reads the one-bar QQQ recording', async () => {
    const outcome = expectOk(await fetchFixture('chart-QQQ-2020-01-01-to-2020-01-03.body.json'));
    expect(outcome.bars).toEqual([
      {
        sessionDate: '2020-01-02',
        open: 214.39999389648438,
        high: 216.16000366210938,
        low: 213.97999572753906,
        close: 216.16000366210938,
        adjClose: 209.6380615234375,
        volume: 30969400,
      },
    ]);
  });

  it('dates EURUSD=X bars by London midnight across both 2020 clock changes, with zero volume', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('historicalv8-EURUSD=X-2020-01-01-to-2021-01-04.body.json'));

    // Assess
    const byDate = new Map(outcome.bars.map((b) => [b.sessionDate, b]));
    expect(outcome.bars).toHaveLength(262);
    expect(new Set(outcome.bars.map((b) => b.volume))).toEqual(new Set([0]));
    expect(byDate.get('2020-03-27')?.open).toBe(1.1046184301376343); // stamped 00:00Z (GMT)
    expect(byDate.get('2020-03-30')?.open).toBe(1.1135361194610596); // stamped 2020-03-29T23:00Z (BST)
    expect(byDate.get('2020-10-23')?.open).toBe(1.181404709815979); // stamped 2020-10-22T23:00Z (BST)
    expect(byDate.get('2020-10-26')?.open).toBe(1.1848341226577759); // stamped 00:00Z (GMT again)
    expect(outcome.bars.every((b) => weekdays(b.sessionDate, b.sessionDate).length === 1)).toBe(true);
  });

  it('dates WSKT.JK bars in Asia/Jakarta and keeps its dividend', async () => {
    // Act
    const outcome = expectOk(await fetchFixture('historicalv8-WSKT.JK-2020-01-01-to-2021-01-04.body.json'));

    // Assess
    expect(outcome.bars).toHaveLength(242);
    expect(outcome.bars[0]).toMatchObject({
      sessionDate: '2020-01-02',
      open: 1485,
      close: 1505,
      volume: 23547100,
    });
    expect(outcome.bars.at(-1)).toMatchObject({ sessionDate: '2020-12-30', close: 1440 });
    expect(outcome.dividends).toEqual([{ sessionDate: '2020-06-16', amount: 3.4557 }]);
  });

  it('dates WSU.DE bars in Europe/Berlin', async () => {
    const outcome = expectOk(await fetchFixture('chart-WSU.DE-2023-08-04-to-2023-08-09.body.json'));
    expect(outcome.bars.map((b) => [b.sessionDate, b.close])).toEqual([
      ['2023-08-04', 34.45000076293945],
      ['2023-08-07', 34],
      ['2023-08-08', 33.20000076293945],
    ]);
  });

  it('reads the Toronto mutual fund with flat prices and zero volume', async () => {
    // Act
    const outcome = expectOk(
      await fetchFixture('historicalv8-0P000071W8.TO-2020-01-01-to-2021-01-04.body.json'),
    );

    // Assess
    expect(outcome.bars).toHaveLength(252);
    expect(outcome.bars[0]).toEqual({
      sessionDate: '2020-01-02',
      open: 73.72000122070312,
      high: 73.72000122070312,
      low: 73.72000122070312,
      close: 73.72000122070312,
      adjClose: 73.72000122070312,
      volume: 0,
    });
    expect(outcome.bars.at(-1)?.sessionDate).toBe('2020-12-31');
  });

  it('keeps the four MSFT dividends of the year to January 2022', async () => {
    // Act
    const outcome = expectOk(
      await fetchFixture('historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.body.json'),
    );

    // Assess
    expect(outcome.bars).toHaveLength(252);
    expect(outcome.bars[0]).toMatchObject({ sessionDate: '2021-02-01', close: 239.64999389648438 });
    expect(outcome.bars.at(-1)).toMatchObject({ sessionDate: '2022-01-28', close: 308.260009765625 });
    expect(outcome.dividends).toEqual([
      { sessionDate: '2021-02-17', amount: 0.56 },
      { sessionDate: '2021-05-19', amount: 0.56 },
      { sessionDate: '2021-08-18', amount: 0.56 },
      { sessionDate: '2021-11-17', amount: 0.62 },
    ]);
  });

  it('keeps the NVDA 4:1 split of 2021-07-20', async () => {
    // Act
    const outcome = expectOk(
      await fetchFixture('historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json'),
    );

    // Assess
    expect(outcome.bars).toHaveLength(252);
    expect(outcome.bars[0]).toMatchObject({ sessionDate: '2021-02-01', open: 13.053250312805176 });
    expect(outcome.splits).toEqual([{ sessionDate: '2021-07-20', numerator: 4, denominator: 1 }]);
    expect(outcome.dividends).toEqual([]);
  });

  it('reads the empty weekend response (no timestamps, an empty quote) as no bars', async () => {
    // Act
    const outcome = await fetchFixture(
      'chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.body.json',
    );

    // Assess
    expect(outcome).toEqual({
      kind: 'ok',
      bars: [],
      splits: [],
      dividends: [],
      droppedNullBars: 0,
      requests: 1,
      firstSession: '1980-12-12',
    });
  });

  it('reads the first session Yahoo has from meta.firstTradeDate, in the exchange’s timezone', async () => {
    // Act
    const btc = await fetchFixture('historicalv8-BTC-USD-2020-01-01-to-2021-01-04.body.json');
    const qqq = await fetchFixture('historicalv8-QQQ-2020-01-01-to-2021-01-04.body.json');

    // Assess
    expect(btc.kind === 'ok' && btc.firstSession).toBe('2014-09-17');
    expect(qqq.kind === 'ok' && qqq.firstSession).toBe('1999-03-10');
  });

  it('reports the delisted MDLY as not found, with Yahoo’s words, without retrying', async () => {
    // Act
    const outcome = await fetchFixture('historicalv8-MDLY-2020-01-01-to-2021-01-04.body.json');

    // Assess
    expect(outcome).toEqual({
      kind: 'not-found',
      reason: 'yahoo MDLY 2020-01-01..2020-12-31: Not Found: No data found, symbol may be delisted',
    });
    expect(server.requests).toHaveLength(1);
  });
});
