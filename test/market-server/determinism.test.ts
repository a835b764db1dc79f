import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MarketServer, startMarketServer } from '#shared/market-server/index.ts';
import { frozenAt } from './support/harness.ts';

const now = frozenAt('2025-07-30T12:00:00Z');
let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({ now });
});
afterAll(async () => {
  await server.stop();
});

describe('Generated prices', () => {
  it('are the same for the same seed, in barsFor and on the wire', async () => {
    // Prepare
    const twin = await startMarketServer({ now });
    const url = (s: MarketServer) =>
      `${s.yahooBaseUrl}/v8/finance/chart/MSFT?period1=1704067200&period2=1735689600`;

    // Act
    const [body, twinBody] = await Promise.all(
      [fetch(url(server)), fetch(url(twin))].map(async (r) => (await r).text()),
    );
    const twinBars = twin.barsFor('yahoo', 'MSFT', '2024-01-01', '2024-12-31');
    await twin.stop();

    // Assess
    expect(twinBody).toBe(body);
    expect(twinBars).toEqual(server.barsFor('yahoo', 'MSFT', '2024-01-01', '2024-12-31'));
  });

  it('differ for another seed', async () => {
    // Prepare
    const other = await startMarketServer({ now, seed: 'another' });

    // Act
    const otherBars = other.barsFor('yahoo', 'MSFT', '2024-01-01', '2024-01-31');
    await other.stop();

    // Assess
    expect(otherBars.map((b) => b.close)).not.toEqual(
      server.barsFor('yahoo', 'MSFT', '2024-01-01', '2024-01-31').map((b) => b.close),
    );
  });

  it('agree where two requested ranges overlap', () => {
    // Act
    const first = server.barsFor('upbit', 'KRW-ETH', '2023-01-01', '2023-09-30');
    const second = server.barsFor('upbit', 'KRW-ETH', '2023-06-01', '2024-03-31');

    // Assess
    const overlap = (bars: typeof first) =>
      bars.filter((b) => b.sessionDate >= '2023-06-01' && b.sessionDate <= '2023-09-30');
    expect(overlap(first)).toHaveLength(122);
    expect(overlap(second)).toEqual(overlap(first));
  });

  it('differ between symbols', () => {
    // Act
    const closes = ['SPY', 'QQQ', 'IWM'].map((symbol) =>
      server.barsFor('yahoo', symbol, '2024-01-01', '2024-03-31').map((b) => b.close),
    );

    // Assess
    expect(new Set(closes.map((c) => JSON.stringify(c))).size).toBe(3);
  });

  it('are sane for any symbol and range: low <= open, close <= high, prices > 0, volume >= 0', () => {
    const symbol = fc.stringMatching(/^[A-Z]{1,5}(\.KS|-USD)?$|^KRW-[A-Z]{2,5}$/);
    // Ranges as day offsets, so every generated end is a real date (editing the year of a 29 February
    // start gave an invalid one: seed 1373144245, ["A","2012-02-29","yahoo"]).
    const isoDay = (offset: number) => new Date(Date.UTC(2000, 0, 3 + offset)).toISOString().slice(0, 10);
    const range = fc.integer({ min: 0, max: 9_000 }).map((d) => [isoDay(d), isoDay(d + 365)] as const);
    fc.assert(
      fc.property(
        symbol,
        range,
        fc.constantFrom('yahoo' as const, 'upbit' as const),
        (s, [start, end], provider) => {
          const bars = server.barsFor(provider, s, start, end);
          for (const bar of bars) {
            expect(bar.low).toBeGreaterThan(0);
            expect(bar.low).toBeLessThanOrEqual(Math.min(bar.open, bar.close));
            expect(bar.high).toBeGreaterThanOrEqual(Math.max(bar.open, bar.close));
            expect(bar.volume).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('move far less than 30 % from one session to the next', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{1,5}$|^KRW-[A-Z]{3}$/), (symbol) => {
        const bars = server.barsFor('yahoo', symbol, '2005-01-01', '2025-06-30');
        const moves = bars.slice(1).map((bar, i) => Math.abs(bar.close / (bars[i]?.close ?? bar.close) - 1));
        expect(Math.max(...moves)).toBeLessThan(0.1);
      }),
      { numRuns: 20 },
    );
  });

  it('jump on the session a priceJumps knob names, and only there', async () => {
    // Prepare
    const halved = await startMarketServer({
      now,
      priceJumps: [{ symbol: 'XLE', from: '2024-03-04', factor: 0.5 }],
    });

    // Act
    const bars = halved.barsFor('yahoo', 'XLE', '2024-02-26', '2024-03-08');
    const plain = server.barsFor('yahoo', 'XLE', '2024-02-26', '2024-03-08');
    await halved.stop();

    // Assess
    const jumpIndex = bars.findIndex((b) => b.sessionDate === '2024-03-04');
    expect((bars[jumpIndex]?.close ?? 0) / (bars[jumpIndex - 1]?.close ?? 1)).toBeLessThan(0.6);
    expect(bars.slice(0, jumpIndex)).toEqual(plain.slice(0, jumpIndex));
    expect(bars[jumpIndex + 1]?.close).toBeCloseTo((plain[jumpIndex + 1]?.close ?? 0) / 2, 1);
  });
});
