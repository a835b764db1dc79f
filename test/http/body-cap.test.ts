import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '#shared/http/client.ts';
import { instantClock } from './support/instant-clock.ts';
import { send, startTestServer, type TestServer } from './support/test-server.ts';

const MIB = 1024 * 1024;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/**
 * Streams `chunks` chunks of 1 MiB of white space with no Content-Length, each after the last one
 * drained; `written` counts those that went out before the client closed the connection.
 */
function streamChunks(response: ServerResponse, chunks: number, counter: { written: number }): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(MIB, ' ');
  const next = () => {
    if (response.destroyed) return;
    if (counter.written === chunks) {
      response.end('{}');
      return;
    }
    counter.written++;
    if (response.write(chunk)) setImmediate(next);
    else response.once('drain', next);
  };
  next();
}

const client = (maxBodyBytes?: number) =>
  createHttpClient({ maxAttempts: 3, ...(maxBodyBytes ? { maxBodyBytes } : {}) }, { clock: instantClock() });

describe('HTTP client body cap', () => {
  it('stops reading a body without Content-Length once it passes the cap, and does not retry', async () => {
    // Prepare
    const counter = { written: 0 };
    server.handle((_req, res) => streamChunks(res, 256, counter));

    // Act
    const outcome = await client(4 * MIB).get(`${server.baseUrl}/huge`);

    // Assess
    expect(outcome).toEqual({
      kind: 'invalid-response',
      reason: expect.stringMatching(
        /^HTTP 200: response body is larger than the 4 MiB cap \(more than \d+ bytes sent\); stopped reading$/,
      ),
      attempts: 1,
    });
    expect(server.requests).toHaveLength(1);
    expect(counter.written).toBeLessThan(256); // the connection was closed, not read to its end
  });

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    // Prepare
    server.handle((_req, res) => send(res, 200, ' '.repeat(2 * MIB), { 'content-length': String(2 * MIB) }));

    // Act
    const outcome = await client(MIB).get(`${server.baseUrl}/declared`);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'invalid-response',
      reason: `HTTP 200: response body is larger than the 1 MiB cap (Content-Length ${2 * MIB} bytes); stopped reading`,
    });
  });

  it('reads a body just under the default cap of 4 MiB in full', async () => {
    // Prepare
    const body = `${' '.repeat(4 * MIB - 2)}{}`;
    server.handle((_req, res) => send(res, 200, body));

    // Act
    const outcome = await client().get(`${server.baseUrl}/under`);

    // Assess
    expect(outcome.kind === 'ok' && outcome.body.length).toBe(4 * MIB);
  });
});
