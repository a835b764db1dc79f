import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type MarketServer, NO_FAULTS, startMarketServer } from '#shared/market-server/index.ts';
import type { FetchOutcome, ProviderName } from '#shared/providers/index.ts';
import { controlCharactersIn } from '#test/support/control-characters.ts';
import { frozenAt, providerFor } from './support/harness.ts';

/* Hostile rather than broken answers, over real HTTP from the market server's `hostile` knob. */

const RANGES: Record<ProviderName, { symbol: string; start: string; end: string }> = {
  yahoo: { symbol: 'AAPL', start: '2024-01-02', end: '2024-03-28' },
  upbit: { symbol: 'KRW-BTC', start: '2024-01-01', end: '2024-03-31' },
};

let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer({ now: frozenAt('2025-07-30T12:00:00Z') });
});
afterEach(() => {
  server.setFaults(NO_FAULTS);
});
afterAll(async () => {
  await server.stop();
});

function fetchFrom(provider: ProviderName): Promise<FetchOutcome> {
  return providerFor(server, provider, { maxAttempts: 1 }).fetchDailyBars(RANGES[provider]);
}

describe('Hostile provider answers', () => {
  it('reads a Yahoo timestamp beyond the range of Date as an invalid response instead of throwing', async () => {
    // Prepare
    server.setFaults({ hostile: 'farTimestamp' });

    // Act
    const outcome = await fetchFrom('yahoo');

    // Assess
    expect(outcome.kind).toBe('invalid-response');
    expect(outcome.kind !== 'ok' && outcome.reason).toMatch(
      /^yahoo AAPL .*unexpected chart shape: chart\.result\.0\.timestamp\.0: Too big/,
    );
  });

  it.each(['yahoo', 'upbit'] as const)(
    'reports a %s answer with a 1 MB string in a short field in a reason of at most 500 characters',
    async (provider) => {
      // Prepare
      server.setFaults({ hostile: 'longText' });

      // Act
      const outcome = await fetchFrom(provider);

      // Assess
      expect(outcome.kind).toBe('invalid-response');
      expect(outcome.kind !== 'ok' && outcome.reason.length).toBeLessThanOrEqual(500);
    },
  );

  it.each(['yahoo', 'upbit'] as const)(
    'keeps the words of a %s error that carries terminal escapes, without the control characters',
    async (provider) => {
      // Prepare
      server.setFaults({ hostile: 'controlText' });

      // Act
      const outcome = await fetchFrom(provider);

      // Assess
      expect(outcome.kind).not.toBe('ok');
      const reason = outcome.kind === 'ok' ? '' : outcome.reason;
      expect(reason).toContain('No data found, symbol may be delisted');
      expect(controlCharactersIn(reason)).toEqual([]);
    },
  );

  it.each(['yahoo', 'upbit'] as const)(
    'stops reading a %s body past the cap and reports it as an invalid response in one line',
    async (provider) => {
      // Prepare
      server.setFaults({ hostile: 'hugeBody', hugeBodyBytes: 20 * 1024 * 1024 });

      // Act
      const outcome = await fetchFrom(provider);

      // Assess
      expect(outcome).toEqual({
        kind: 'invalid-response',
        reason: expect.stringMatching(
          /HTTP 200: response body is larger than the 4 MiB cap .*stopped reading$/,
        ),
      });
    },
  );

  it('still reads a real 30-year chart, far below the cap', async () => {
    // Prepare
    const thirtyYears = { symbol: 'BTC-USD', start: '1995-08-01', end: '2025-07-29' };
    const bars = server.barsFor('yahoo', 'BTC-USD', thirtyYears.start, thirtyYears.end);

    // Act
    const outcome = await providerFor(server, 'yahoo').fetchDailyBars(thirtyYears);

    // Assess
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && outcome.bars.length).toBe(bars.length);
  });
});
