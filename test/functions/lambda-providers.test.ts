import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaEnv } from '#shared/aws/lambda-env.ts';
import { lambdaProviders } from '#shared/aws/lambda-providers.ts';
import { ConfigError } from '#shared/domain/config-error.ts';

// A stand-in for Yahoo that only remembers the headers it was sent and answers 404.
const seen: IncomingHttpHeaders[] = [];
const server = createServer((request, response) => {
  seen.push(request.headers);
  response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
});
let baseUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const request = { symbol: 'SPY', start: '2024-01-02', end: '2024-01-31', timezone: 'America/New_York' };

describe('the ingest function providers', () => {
  it('send Yahoo the User-Agent of YAHOO_USER_AGENT', async () => {
    const env = lambdaEnv(['YAHOO_BASE_URL', 'UPBIT_BASE_URL', 'YAHOO_USER_AGENT'], {
      YAHOO_BASE_URL: baseUrl,
      YAHOO_USER_AGENT: 'acme-quant/1.0 (ops@example.com)',
    });
    seen.length = 0;
    await lambdaProviders(env).yahoo.fetchDailyBars(request);
    expect(seen.map((h) => h['user-agent'])).toContain('acme-quant/1.0 (ops@example.com)');
  });

  it('send the provider default when YAHOO_USER_AGENT is unset', async () => {
    const env = lambdaEnv(['YAHOO_BASE_URL', 'YAHOO_USER_AGENT'], { YAHOO_BASE_URL: baseUrl });
    seen.length = 0;
    await lambdaProviders(env).yahoo.fetchDailyBars(request);
    expect(seen[0]?.['user-agent']).toMatch(/\S/);
    expect(seen[0]?.['user-agent']).not.toContain('acme-quant');
  });

  it('refuse at cold start a YAHOO_USER_AGENT that could not be a header, naming the variable', () => {
    expect(() => lambdaEnv(['YAHOO_USER_AGENT'], { YAHOO_USER_AGENT: 'a\r\nX-Injected: 1' })).toThrow(
      new ConfigError('environment variable YAHOO_USER_AGENT: expected 1-300 printable ASCII characters'),
    );
  });
});
