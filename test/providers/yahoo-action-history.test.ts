import { describe, expect, it } from 'vitest';
import { actionHistoryUrl, readActionHistory } from '#shared/providers/yahoo/action-history.ts';
import { readFixture } from './support/harness.ts';

describe('the Yahoo action-history request', () => {
  it('asks for every event from the epoch to two days past the fetch date at a quarterly interval', () => {
    const url = new URL(actionHistoryUrl('https://query1.finance.yahoo.com/', 'BRK-B', '2025-02-21'));
    expect(url.pathname).toBe('/v8/finance/chart/BRK-B');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      period1: '0',
      period2: String(Date.parse('2025-02-23T00:00:00Z') / 1000),
      interval: '3mo',
      events: 'div|split',
    });
  });

  it("reads every split and dividend of the AAPL recording on its New York ex-dates, with Yahoo's records", async () => {
    const body = await readFixture('yahoo', 'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json');
    const outcome = readActionHistory(body, { symbol: 'AAPL', until: '2021-11-12' }, 1);
    expect(outcome).toMatchObject({ kind: 'ok', requests: 1 });
    if (outcome.kind !== 'ok') return;
    expect(outcome.splits).toEqual([
      {
        sessionDate: '2020-08-31',
        numerator: 4,
        denominator: 1,
        record: { date: 1598880600, numerator: 4, denominator: 1 },
      },
    ]);
    expect(outcome.dividends.map((d) => [d.sessionDate, d.amount])).toEqual([
      ['2020-02-07', 0.1925],
      ['2020-05-08', 0.205],
      ['2020-08-07', 0.205],
      ['2020-11-06', 0.205],
    ]);
  });

  it('leaves out actions after the fetch date and reports a delisted symbol as not found', async () => {
    const body = await readFixture('yahoo', 'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json');
    const early = readActionHistory(body, { symbol: 'AAPL', until: '2020-06-30' }, 1);
    expect(early.kind === 'ok' && early.dividends.length).toBe(2);
    const gone = readActionHistory(
      await readFixture('yahoo', 'historicalv8-MDLY-2020-01-01-to-2021-01-04.body.json'),
      { symbol: 'MDLY', until: '2021-01-04' },
      1,
    );
    expect(gone).toEqual({ kind: 'not-found', reason: 'Not Found: No data found, symbol may be delisted' });
  });
});
