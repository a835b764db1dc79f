import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClientDependencies } from '#shared/http/client.ts';
import { HttpConfigError } from '#shared/http/errors.ts';
import type { HttpPolicyInput } from '#shared/http/policy.ts';
import { RateBudget } from '#shared/http/rate-budget.ts';
import { type InstantClock, instantClock } from './support/instant-clock.ts';
import { send, startTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** A client on virtual time with zero jitter, unless a test says otherwise. */
function clientFor(
  policy: HttpPolicyInput = {},
  dependencies: Omit<HttpClientDependencies, 'clock'> & { clock?: InstantClock } = {},
) {
  const clock = dependencies.clock ?? instantClock();
  const client = createHttpClient(
    { baseDelayMs: 100, maxDelayMs: 1_000, ...policy },
    { random: () => 0, ...dependencies, clock },
  );
  return { client, clock, url: `${server.baseUrl}/thing` };
}

describe('HTTP client', () => {
  it('returns the body, status and headers of a 200 after one attempt', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 200, '{"a":1}', { 'x-hint': 'yes' }));
    const { client, url } = clientFor();

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'ok', status: 200, body: '{"a":1}', attempts: 1 });
    expect(outcome.kind === 'ok' && outcome.headers.get('x-hint')).toBe('yes');
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });

  it('retries a 500 after an exponential, jittered backoff and returns the 200 that follows', async () => {
    // Prepare
    server.handle((_req, res, i) => (i < 2 ? send(res, 500, 'oops') : send(res, 200, 'fine')));
    const { client, clock, url } = clientFor({ maxAttempts: 3 }, { random: () => 0.5 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'ok', body: 'fine', attempts: 3 });
    expect(clock.sleeps).toEqual([115, 230]); // 100 * 2^n * (1 + 0.5 * 0.3)
  });

  it('gives up on a persistent 503 as a retryable failure once the attempts are used', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 503, 'maintenance'));
    const { client, clock, url } = clientFor({ maxAttempts: 4 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'HTTP 503 Service Unavailable: maintenance (gave up after 4 attempts)',
      retryable: true,
      attempts: 4,
    });
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it('waits the seconds a Retry-After asks for before retrying a 429', async () => {
    // Prepare
    server.handle((_req, res, i) =>
      i === 0 ? send(res, 429, 'slow down', { 'retry-after': '3' }) : send(res, 200, 'ok'),
    );
    const { client, clock, url } = clientFor();

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(clock.sleeps).toEqual([3_000]);
  });

  it('waits until the HTTP-date a Retry-After names', async () => {
    // Prepare
    const { client, clock, url } = clientFor();
    const at = new Date(clock.now() + 4_000).toUTCString();
    server.handle((_req, res, i) =>
      i === 0 ? send(res, 503, '', { 'retry-after': at }) : send(res, 200, 'ok'),
    );

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(clock.sleeps).toEqual([4_000]);
  });

  it('reports a 429 that outlasts the attempts as rate-limited with the server’s Retry-After', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 429, 'Edge: Too Many Requests', { 'retry-after': '2' }));
    const { client, url } = clientFor({ maxAttempts: 2 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 2_000,
      reason: 'HTTP 429 Too Many Requests: Edge: Too Many Requests (gave up after 2 attempts)',
      attempts: 2,
    });
  });

  it('hands a Retry-After longer than it will wait back to the caller at once', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 429, '', { 'retry-after': '120' }));
    const { client, clock, url } = clientFor({ maxRetryAfterMs: 10_000 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 120_000, attempts: 1 });
    expect(clock.sleeps).toEqual([]);
  });

  it('treats a 418 block as rate-limited for the configured block time, without retrying', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 418, '{"error":{"name":"blocked","message":"IP blocked"}}'));
    const { client, url } = clientFor({ blockedRetryAfterMs: 300_000 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 300_000, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing more while a block the server imposed lasts', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 418, 'blocked'));
    const { client, url } = clientFor(
      { blockedRetryAfterMs: 60_000 },
      { rateBudget: new RateBudget({ perSecond: 10, clock: instantClock() }) },
    );
    await client.get(url);

    // Act
    const second = await client.get(url);

    // Assess
    expect(second).toMatchObject({ kind: 'rate-limited', retryAfterMs: 60_000, attempts: 0 });
    expect(second.kind === 'rate-limited' && second.reason).toMatch(/^not sent: 60 s remain/);
    expect(server.requests).toHaveLength(1);
  });

  it('returns not-found for a 404 without retrying', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 404, '{"missing":true}'));
    const { client, url } = clientFor();

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toEqual({ kind: 'not-found', body: '{"missing":true}', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('returns other 4xx as a failure that is not worth retrying', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 400, '{"error":"bad period"}'));
    const { client, url } = clientFor();

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'HTTP 400 Bad Request: {"error":"bad period"}',
      retryable: false,
      attempts: 1,
    });
  });

  it('times out a response that never comes, on every attempt', async () => {
    // Prepare
    server.handle(() => {}); // never answers
    const { client, url } = clientFor({ timeoutMs: 100, maxAttempts: 2 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toEqual({
      kind: 'failed',
      reason: 'timed out after 100 ms (gave up after 2 attempts)',
      retryable: true,
      attempts: 2,
    });
    expect(server.requests).toHaveLength(2);
  });

  it('times out a body that starts and never ends', async () => {
    // Prepare
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"chart":');
    });
    const { client, url } = clientFor({ timeoutMs: 100, maxAttempts: 1 });

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'failed',
      reason: 'timed out after 100 ms (gave up after 1 attempt)',
    });
  });

  it('retries a connection dropped in the middle of the body as a network error', async () => {
    // Prepare
    server.handle((_req, res, i) => {
      if (i > 0) return send(res, 200, 'whole');
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"chart":');
      res.destroy();
    });
    const { client, url } = clientFor();

    // Act
    const outcome = await client.get(url);

    // Assess
    expect(outcome).toMatchObject({ kind: 'ok', body: 'whole', attempts: 2 });
  });

  it('reports a refused connection as a retryable network failure', async () => {
    // Prepare: a port that was free a moment ago and has nobody listening now
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const { client } = clientFor({ maxAttempts: 2 });

    // Act
    const outcome = await client.get(`http://127.0.0.1:${port}/`);

    // Assess
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, attempts: 2 });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/^network error: ECONNREFUSED/);
  });

  it('acquires the rate budget before every attempt, retries included', async () => {
    // Prepare
    server.handle((_req, res, i) => send(res, i === 0 ? 502 : 200, ''));
    const clock = instantClock();
    const { client, url } = clientFor({}, { clock, rateBudget: new RateBudget({ perSecond: 1, clock }) });

    // Act
    const outcome = await client.get(url);

    // Assess: 100 ms of backoff, then the rest of the budget's second
    expect(outcome).toMatchObject({ kind: 'ok', attempts: 2 });
    expect(clock.sleeps).toEqual([100, 900]);
  });

  it('shows the headers of every response to the observer', async () => {
    // Prepare
    server.handle((_req, res, i) => send(res, i === 0 ? 502 : 200, '', { 'remaining-req': `sec=${9 - i}` }));
    const seen: (string | null)[] = [];
    const { client, url } = clientFor(
      {},
      { onResponse: (headers) => seen.push(headers.get('remaining-req')) },
    );

    // Act
    await client.get(url);

    // Assess
    expect(seen).toEqual(['sec=9', 'sec=8']);
  });

  it('refuses options that cannot work', () => {
    expect(() => createHttpClient({ maxAttempts: 0 })).toThrow(HttpConfigError);
    expect(() => createHttpClient({ timeoutMs: -1 })).toThrow(/invalid options/);
  });
});
