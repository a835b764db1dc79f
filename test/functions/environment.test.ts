import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetAws } from './support/aws-mocks.ts';
import { coldStart, type FunctionName } from './support/lambda-harness.ts';

afterEach(() => {
  resetAws();
  vi.unstubAllEnvs();
});

describe('function environment', () => {
  it.each<[FunctionName, string]>([
    ['collect', 'DB_SECRET_ARN'],
    ['backfill', 'EVENT_BUS_NAME'],
    ['ingest', 'INGEST_QUEUE_URL'],
    ['dlq', 'DISCORD_WEBHOOK_SECRET_ARN'],
    ['freshness', 'DB_SECRET_ARN'],
    ['migrate', 'DB_SECRET_ARN'],
    ['notifier', 'DISCORD_WEBHOOK_SECRET_ARN'],
  ])('the %s function refuses to start without %s, naming it in a ConfigError', async (name, variable) => {
    // Act
    const start = coldStart(name, { env: { [variable]: undefined } });

    // Assess
    await expect(start).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(new RegExp(`^environment variable ${variable}: `)),
    });
  });

  it.each<[FunctionName, string, string]>([
    ['ingest', 'YAHOO_BASE_URL', 'query1.finance.yahoo.com'],
    ['collect', 'DB_TLS', 'off'],
    ['freshness', 'AUTO_REPAIR', 'yes'],
    ['backfill', 'MAX_BACKFILL_DAYS', 'ten'],
  ])(
    'the %s function refuses to start with %s=%s, naming it in a ConfigError',
    async (name, variable, value) => {
      // Act
      const start = coldStart(name, { env: { [variable]: value } });

      // Assess
      await expect(start).rejects.toMatchObject({
        name: 'ConfigError',
        message: expect.stringMatching(new RegExp(`^environment variable ${variable}: `)),
      });
    },
  );

  it('ignores variables a function does not use: the notifier starts without a database secret', async () => {
    // Act
    const start = coldStart('notifier', { env: { DB_SECRET_ARN: undefined, INGEST_QUEUE_URL: undefined } });

    // Assess
    await expect(start).resolves.toMatchObject({ handler: expect.any(Function) });
  });

  it.each<FunctionName>(['dlq', 'reaper'])(
    'the %s function, which sends no task, starts without INGEST_QUEUE_URL',
    async (name) => {
      // Act
      const start = coldStart(name, { env: { INGEST_QUEUE_URL: undefined } });

      // Assess
      await expect(start).resolves.toMatchObject({ handler: expect.any(Function) });
    },
  );
});
