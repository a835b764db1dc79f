import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import type { ActionHistoryOutcome } from '#shared/providers/index.ts';
import { expectOk, frozenAt, providerFor, readFixture, readJson, shapeOf } from './support/harness.ts';

/* The market server's splits and dividends: re-based history as of its clock, and Yahoo's events block. */
const SPLIT = { symbol: 'SPLT', exDate: '2024-06-10', kind: 'split', numerator: 10, denominator: 1 } as const;
const DIVIDEND = { symbol: 'SPLT', exDate: '2024-03-05', kind: 'dividend', amount: 0.4 } as const;

let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({
    now: frozenAt('2025-02-21T22:00:00Z'),
    corporateActions: [SPLIT, DIVIDEND],
  });
});
afterAll(async () => {
  await server.stop();
});

type Events = Record<'splits' | 'dividends', Record<string, unknown>>;

function ok(outcome: ActionHistoryOutcome): Extract<ActionHistoryOutcome, { kind: 'ok' }> {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  return outcome;
}

describe('the market server with corporate actions', () => {
  it('serves history before a split re-based by its ratio, and the traded bars unchanged', () => {
    const served = server.barsFor('yahoo', 'SPLT', '2024-06-06', '2024-06-11');
    const traded = server.tradedBarsFor('yahoo', 'SPLT', '2024-06-06', '2024-06-11');
    expect(served.map((b) => b.sessionDate)).toEqual([
      '2024-06-06',
      '2024-06-07',
      '2024-06-10',
      '2024-06-11',
    ]);
    expect((traded[1]?.close ?? 0) / (served[1]?.close ?? 1)).toBeCloseTo(10, 5);
    expect((served[1]?.volume ?? 0) / (traded[1]?.volume ?? 1)).toBe(10);
    expect(served.slice(2).map((b) => b.close)).toEqual(traded.slice(2).map((b) => b.close));
    // As traded, the price level drops at the split, as it did on the exchange.
    expect((traded[1]?.close ?? 0) / (traded[2]?.close ?? 1)).toBeGreaterThan(7);
  });

  it('lowers adjclose before an ex-date by 1 - dividend / previous close', () => {
    const [before, previous, exDay] = server.barsFor('yahoo', 'SPLT', '2024-03-01', '2024-03-05');
    const traded = server.tradedBarsFor('yahoo', 'SPLT', '2024-03-04', '2024-03-04')[0]?.close ?? 0;
    const factor = 1 - 0.4 / traded;
    expect((previous?.adjClose ?? 0) / (previous?.close ?? 1)).toBeCloseTo(factor, 6);
    expect((before?.adjClose ?? 0) / (before?.close ?? 1)).toBeCloseTo(factor, 6);
    expect(exDay?.adjClose).toBe(exDay?.close);
  });

  it('sends an events block shaped like the recordings, dividend amounts adjusted for later splits', async () => {
    const provider = providerFor(server, 'yahoo');
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'SPLT', start: '2024-03-01', end: '2024-06-30' }),
    );
    expect(outcome.splits).toEqual([{ sessionDate: '2024-06-10', numerator: 10, denominator: 1 }]);
    expect(outcome.dividends).toEqual([{ sessionDate: '2024-03-05', amount: 0.04 }]);
    const recorded = JSON.parse(
      await readFixture('yahoo', 'historicalv8-AAPL-2020-01-01-to-2021-01-04.body.json'),
    );
    const served = await readJson<{ chart: { result: [{ events: unknown }] } }>(
      fetch(`${server.yahooBaseUrl}/v8/finance/chart/SPLT?period1=1709251200&period2=1719792000&interval=1d`),
    );
    const entry = (events: Events, kind: keyof Events) => {
      const [[key, value]] = Object.entries(events[kind]) as [[string, { date: number }]];
      return { keyIsDate: key === String(value.date), shape: shapeOf(value) };
    };
    const ours = served.chart.result[0].events as Events;
    const theirs = recorded.chart.result[0].events as Events;
    expect(entry(ours, 'splits')).toEqual({ ...entry(theirs, 'splits'), keyIsDate: true });
    expect(entry(ours, 'dividends')).toEqual({ ...entry(theirs, 'dividends'), keyIsDate: true });
  });

  it('answers the coarse whole-history request with every action and about four bars a year', async () => {
    const provider = providerFor(server, 'yahoo');
    const history = ok(
      (await provider.fetchActionHistory?.({ symbol: 'SPLT', until: '2025-02-21' })) as ActionHistoryOutcome,
    );
    expect(history.splits.map((s) => [s.sessionDate, s.numerator, s.denominator])).toEqual([
      ['2024-06-10', 10, 1],
    ]);
    expect(history.dividends.map((d) => [d.sessionDate, d.amount])).toEqual([['2024-03-05', 0.04]]);
    expect(history.requests).toBe(1);
    const body = await readJson<{
      chart: { result: [{ timestamp: number[]; meta: { dataGranularity: string } }] };
    }>(fetch(`${server.yahooBaseUrl}/v8/finance/chart/SPLT?period1=0&period2=1740355200&interval=3mo`));
    expect(body.chart.result[0].meta.dataGranularity).toBe('3mo');
    expect(body.chart.result[0].timestamp.length).toBeLessThan(25 * 4 + 2);
  });

  it('applies an announced split once its ex-date has come, not before', () => {
    const closeOf = () => server.barsFor('yahoo', 'LATE', '2025-02-20', '2025-02-20')[0]?.close ?? 0;
    const before = closeOf();
    server.announceCorporateAction({
      symbol: 'LATE',
      exDate: '2025-02-24',
      kind: 'split',
      numerator: 2,
      denominator: 1,
    });
    expect(closeOf()).toBe(before);
    server.announceCorporateAction({
      symbol: 'LATE',
      exDate: '2025-02-21',
      kind: 'split',
      numerator: 2,
      denominator: 1,
    });
    expect(closeOf()).toBeCloseTo(before / 2, 4);
  });

  it('leaves a symbol without actions exactly as before: no events, adjclose equal to close', async () => {
    const provider = providerFor(server, 'yahoo');
    const outcome = expectOk(
      await provider.fetchDailyBars({ symbol: 'PLAIN', start: '2024-01-01', end: '2024-12-31' }),
    );
    expect(outcome).toMatchObject({ splits: [], dividends: [] });
    expect(outcome.bars.every((b) => b.adjClose === b.close)).toBe(true);
    const history = ok(
      (await provider.fetchActionHistory?.({ symbol: 'PLAIN', until: '2025-02-21' })) as ActionHistoryOutcome,
    );
    expect(history).toMatchObject({ splits: [], dividends: [] });
  });
});
