import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface WebhookServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** Every request received, body parsed as JSON, in arrival order. */
  received: ReceivedPost[];
  /** How to answer the n-th request (0-based) from now on; 204 No Content until told otherwise. */
  answer(answerFor: (index: number) => Answer): void;
  close(): Promise<void>;
}

/** A stand-in for Discord's execute-webhook endpoint on 127.0.0.1, recording what it was sent. */
export async function startWebhookServer(): Promise<WebhookServer> {
  const received: ReceivedPost[] = [];
  let answerFor: (index: number) => Answer = () => ({ status: 204 });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      const { status, body, headers } = answerFor(received.length - 1);
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer(next) {
      answerFor = next;
      received.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
