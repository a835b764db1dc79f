import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getCalendar } from '#shared/calendars/index.ts';
import { type MarketServer, NO_FAULTS, startMarketServer } from '#shared/market-server/index.ts';
import { expectOk, frozenAt, providerFor } from './support/harness.ts';

const request = { symbol: 'AAPL', start: '2022-01-01', end: '2024-12-31' };

let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({ now: frozenAt('2025-07-30T12:00:00Z'), missingSymbols: ['MDLY'] });
});
afterEach(() => {
  server.setFaults(NO_FAULTS);
});
afterAll(async () => {
  await server.stop();
});

describe('The Yahoo provider against the market server', () => {
  it('fetches exactly barsFor for New York, Seoul and crypto symbols in one request each', async () => {
    // Prepare
    const provider = providerFor(server, 'yahoo');

    for (const symbol of ['AAPL', '005930.KS', 'BTC-USD']) {
      // Act
      const outcome = expectOk(await provider.fetchDailyBars({ ...request, symbol }));

      // Assess
      expect(outcome.bars).toEqual(server.barsFor('yahoo', symbol, request.start, request.end));
      expect(outcome).toMatchObject({ droppedNullBars: 0, requests: 1, splits: [], dividends: [] });
    }
  });

  it('reports a plain-text 429 as rate-limited with the Retry-After the server sent', async () => {
    // Prepare
    server.setFaults({ rate429: 1, retryAfterSeconds: 7 });
    const before = server.stats();

    // Act
    const outcome = await providerFor(server, 'yahoo', { maxRetryAfterMs: 60_000 }).fetchDailyBars(request);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 7_000 });
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('Edge: Too Many Requests');
    expect((server.stats().faults.rate429 ?? 0) - (before.faults.rate429 ?? 0)).toBe(3);
  });

  it('retries 502s and 503s: every fetch ends ok with exact bars or failed and retryable', async () => {
    // Prepare: half the requests fail; 3 attempts each
    server.setFaults({ rate5xx: 0.5 });
    const provider = providerFor(server, 'yahoo');
    const symbols = Array.from({ length: 20 }, (_, i) => `R${i}`);

    // Act
    const outcomes = await Promise.all(
      symbols.map((symbol) => provider.fetchDailyBars({ ...request, symbol })),
    );

    // Assess
    outcomes.forEach((outcome, i) => {
      if (outcome.kind === 'ok') {
        expect(outcome.bars).toEqual(server.barsFor('yahoo', symbols[i] ?? '', request.start, request.end));
      } else {
        expect(outcome).toMatchObject({ kind: 'failed', retryable: true });
      }
    });
    const retriedThenOk = outcomes.filter((o) => o.kind === 'ok' && o.requests > 1);
    expect(retriedThenOk.length).toBeGreaterThan(0);
    expect(outcomes.some((o) => o.kind === 'failed')).toBe(true);
  });

  it('gives up on answers slower than its timeout as a retryable failure', async () => {
    // Prepare
    server.setFaults({ latencyMs: { min: 300, max: 400 } });

    // Act
    const outcome = await providerFor(server, 'yahoo', { timeoutMs: 100, maxAttempts: 2 }).fetchDailyBars(
      request,
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true });
    expect(outcome.kind !== 'ok' && outcome.reason).toMatch(
      /timed out after 100 ms \(gave up after 2 attempts\)$/,
    );
  });

  it('waits out answers slower than usual but within its timeout', async () => {
    // Prepare
    server.setFaults({ latencyMs: 50 });

    // Act
    const outcome = expectOk(await providerFor(server, 'yahoo').fetchDailyBars(request));

    // Assess
    expect(outcome.bars).toHaveLength(getCalendar('XNYS').sessionsBetween(request.start, request.end).length);
  });

  it('gives up on a request the server never answers as a retryable failure', async () => {
    // Prepare
    server.setFaults({ hangRate: 1 });

    // Act
    const outcome = await providerFor(server, 'yahoo', { timeoutMs: 100, maxAttempts: 2 }).fetchDailyBars(
      request,
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true });
  });

  it('reports a body of the wrong shape as an invalid response', async () => {
    // Prepare
    server.setFaults({ malformedRate: 1 });

    // Act
    const outcome = await providerFor(server, 'yahoo').fetchDailyBars(request);

    // Assess
    expect(outcome.kind).toBe('invalid-response');
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('unexpected chart shape');
  });

  it('reports a truncated body as an invalid response', async () => {
    // Prepare
    server.setFaults({ truncatedRate: 1 });

    // Act
    const outcome = await providerFor(server, 'yahoo').fetchDailyBars(request);

    // Assess
    expect(outcome.kind).toBe('invalid-response');
    expect(outcome.kind !== 'ok' && outcome.reason).toContain('body is not JSON');
  });

  it('drops bars listed with null prices and counts them', async () => {
    // Prepare
    server.setFaults({ nullBarRate: 0.1 });
    const sessions = getCalendar('XNYS').sessionsBetween(request.start, request.end);

    // Act
    const outcome = expectOk(await providerFor(server, 'yahoo').fetchDailyBars(request));

    // Assess
    expect(outcome.bars).toEqual(server.barsFor('yahoo', request.symbol, request.start, request.end));
    expect(outcome.droppedNullBars).toBe(sessions.length - outcome.bars.length);
    expect(outcome.droppedNullBars).toBeGreaterThan(40);
    expect(outcome.droppedNullBars).toBeLessThan(110);
  });

  it('reports a missing symbol as not found in Yahoo’s words', async () => {
    // Act
    const outcome = await providerFor(server, 'yahoo').fetchDailyBars({ ...request, symbol: 'MDLY' });

    // Assess
    expect(outcome).toEqual({
      kind: 'not-found',
      reason: 'yahoo MDLY 2022-01-01..2024-12-31: Not Found: No data found, symbol may be delisted',
    });
  });

  it('fails one failing symbol every time while the others are served', async () => {
    // Prepare
    server.setFaults({ failingSymbols: { XLE: 500 } });
    const provider = providerFor(server, 'yahoo');

    // Act
    const failing = await provider.fetchDailyBars({ ...request, symbol: 'XLE' });
    const healthy = await provider.fetchDailyBars({ ...request, symbol: 'XLF' });

    // Assess
    expect(failing).toMatchObject({ kind: 'failed', retryable: true });
    expect(failing.kind !== 'ok' && failing.reason).toContain('HTTP 500');
    expect(healthy.kind).toBe('ok');
  });

  it('serves again once a drill switches the fault off mid-run', async () => {
    // Prepare
    server.setFaults({ rate5xx: 1 });
    const provider = providerFor(server, 'yahoo', { maxAttempts: 1 });
    const during = await provider.fetchDailyBars(request);

    // Act
    server.setFaults({ rate5xx: 0 });
    const after = await provider.fetchDailyBars(request);

    // Assess
    expect(during).toMatchObject({ kind: 'failed', retryable: true });
    expect(expectOk(after).bars).toEqual(server.barsFor('yahoo', 'AAPL', request.start, request.end));
  });
});
