import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '#shared/http/clock.ts';
import { RateBudget } from '#shared/http/rate-budget.ts';
import { type MarketServer, NO_FAULTS, startMarketServer } from '#shared/market-server/index.ts';
import { expectOk, frozenAt, providerFor } from './support/harness.ts';

const now = frozenAt('2025-07-30T12:00:00Z');
const request = { symbol: 'KRW-BTC', start: '2022-01-01', end: '2024-12-31' };

let server: MarketServer;
beforeAll(async () => {
  // A limit no test reaches: virtual-time providers fire pages back to back in real time.
  server = await startMarketServer({ now, missingSymbols: ['KRW-NOPE'], upbitRequestsPerSecond: 1_000 });
});
afterEach(() => {
  server.setFaults(NO_FAULTS);
});
afterAll(async () => {
  await server.stop();
});

describe('The Upbit provider against the market server', () => {
  it('pages through three years 200 candles at a time and gets exactly barsFor', async () => {
    // Prepare
    const before = server.stats().byRoute['upbit-candles-days']?.['200'] ?? 0;

    // Act
    const outcome = expectOk(await providerFor(server, 'upbit').fetchDailyBars(request));

    // Assess
    expect(outcome.bars).toHaveLength(1_096);
    expect(outcome.bars).toEqual(server.barsFor('upbit', request.symbol, request.start, request.end));
    expect(outcome.requests).toBe(6);
    expect(outcome.firstSession).toBeUndefined(); // the history goes back further than the range
    expect(server.stats().byRoute['upbit-candles-days']?.['200']).toBe(before + 6);
  });

  it('stops paging where the history begins', async () => {
    // Prepare
    const young = await startMarketServer({ now, historyStart: '2024-06-01' });

    // Act
    const outcome = expectOk(await providerFor(young, 'upbit').fetchDailyBars(request));
    await young.stop();

    // Assess
    expect(outcome.bars[0]?.sessionDate).toBe('2024-06-01');
    expect(outcome.firstSession).toBe('2024-06-01');
    expect(outcome.bars).toHaveLength(214);
    expect(outcome.requests).toBe(2);
  });

  it('reports an unknown market as not found in Upbit’s words', async () => {
    // Act
    const outcome = await providerFor(server, 'upbit').fetchDailyBars({ ...request, symbol: 'KRW-NOPE' });

    // Assess
    expect(outcome).toEqual({
      kind: 'not-found',
      reason: 'upbit KRW-NOPE 2022-01-01..2024-12-31: 404: Code not found',
    });
  });

  it('reports Upbit’s 429 as rate-limited for the provider’s default wait, as it sends no Retry-After', async () => {
    // Prepare
    server.setFaults({ rate429: 1 });

    // Act
    const outcome = await providerFor(server, 'upbit', { defaultRetryAfterMs: 4_000 }).fetchDailyBars(
      request,
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 4_000 });
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('too_many_requests');
  });

  it('reports 5xx on every attempt as a retryable failure', async () => {
    // Prepare
    server.setFaults({ rate5xx: 1 });

    // Act
    const outcome = await providerFor(server, 'upbit').fetchDailyBars(request);

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true });
  });

  it('reports a body of the wrong shape and a truncated body as invalid responses', async () => {
    for (const fault of [{ malformedRate: 1 }, { truncatedRate: 1 }]) {
      // Prepare
      server.setFaults({ ...NO_FAULTS, ...fault });

      // Act
      const outcome = await providerFor(server, 'upbit').fetchDailyBars(request);

      // Assess
      expect(outcome.kind).toBe('invalid-response');
    }
  });

  it('fails a whole fetch when one of its pages never comes back', async () => {
    // Prepare: half of all page requests hang, chosen by the seed
    server.setFaults({ hangRate: 0.5 });

    // Act
    const outcomes = await Promise.all(
      ['KRW-A', 'KRW-B', 'KRW-C', 'KRW-D'].map((symbol) =>
        providerFor(server, 'upbit', { timeoutMs: 100, maxAttempts: 1 }).fetchDailyBars({
          ...request,
          symbol,
        }),
      ),
    );

    // Assess
    for (const outcome of outcomes) expect(['ok', 'failed']).toContain(outcome.kind);
    expect(outcomes.filter((o) => o.kind === 'failed').every((o) => o.kind === 'failed' && o.retryable)).toBe(
      true,
    );
    expect(outcomes.some((o) => o.kind === 'failed')).toBe(true);
  });

  it('stays under the per-second limit by honouring Remaining-Req, in real time', async () => {
    // Prepare: 4 requests a second on the server, a provider budget that would allow 50
    const limited = await startMarketServer({ now, upbitRequestsPerSecond: 4 });
    const provider = providerFor(limited, 'upbit', {
      clock: systemClock,
      rateBudget: new RateBudget({ perSecond: 50 }),
    });

    // Act: 2,000 days, 10 pages
    const outcome = expectOk(await provider.fetchDailyBars({ ...request, start: '2019-07-12' }));
    const stats = limited.stats();
    await limited.stop();

    // Assess: the server counts per wall-clock second and answers 429 past 4, so ten 200s mean the
    // provider spread its pages over at least three of those windows. (How long that took is not
    // asserted: with windows aligned to the clock's seconds, it can be anything just over one second.)
    expect(outcome.requests).toBe(10);
    expect(outcome.bars).toEqual(limited.barsFor('upbit', request.symbol, '2019-07-12', request.end));
    expect(stats.byRoute['upbit-candles-days']).toEqual({ '200': 10 });
  });
});
