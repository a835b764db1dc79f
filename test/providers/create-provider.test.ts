import { describe, expect, it } from 'vitest';
import { RateBudget } from '#shared/http/rate-budget.ts';
import { createProvider, PROVIDER_DEFAULTS, ProviderConfigError } from '#shared/providers/index.ts';

describe('createProvider', () => {
  it('defaults to the real services, Yahoo at 2 req/s and Upbit under its 10 req/s candle limit', () => {
    expect(PROVIDER_DEFAULTS.yahoo).toMatchObject({
      baseUrl: 'https://query1.finance.yahoo.com',
      rateLimitPerSecond: 2,
    });
    expect(PROVIDER_DEFAULTS.upbit).toMatchObject({
      baseUrl: 'https://api.upbit.com',
      rateLimitPerSecond: 8,
    });
  });

  it('builds each provider by name with its defaults', () => {
    expect(createProvider('yahoo').name).toBe('yahoo');
    expect(createProvider('upbit').name).toBe('upbit');
  });

  it('rejects options that cannot work, naming each one', () => {
    // Act
    const act = () => createProvider('yahoo', { baseUrl: 'ftp://example.com', maxAttempts: 0 });

    // Assess
    expect(act).toThrow(ProviderConfigError);
    expect(act).toThrow(/^yahoo: invalid provider options: /);
    expect(act).toThrow(/baseUrl: Invalid URL/);
    expect(act).toThrow(/maxAttempts: Too small/);
  });

  it('rejects an option it does not know, so a misspelt setting is not silently ignored', () => {
    const act = () => createProvider('upbit', { rateLimitPerSec: 5 } as never);
    expect(act).toThrow(/rateLimitPerSec/);
  });

  it('rejects an unknown provider name', () => {
    expect(() => createProvider('binance' as never)).toThrow(
      /unknown provider "binance"; expected yahoo or upbit/,
    );
  });

  it('refuses a second rate for a provider whose process-wide budget already has one', () => {
    // Prepare
    createProvider('yahoo', { rateLimitPerSecond: 2 });

    // Act
    const act = () => createProvider('yahoo', { rateLimitPerSecond: 5 });

    // Assess
    expect(act).toThrow(ProviderConfigError);
    expect(act).toThrow(/yahoo already runs at 2 req\/s in this process, not 5/);
  });

  it('accepts a budget of its own in place of the process-wide one', () => {
    const provider = createProvider('yahoo', {
      rateLimitPerSecond: 5,
      rateBudget: new RateBudget({ perSecond: 5 }),
    });
    expect(provider.name).toBe('yahoo');
  });
});
