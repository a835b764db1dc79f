import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  url: URL;
  headers: IncomingHttpHeaders;
}

/** Answers the `index`-th request (0-based) the server has seen; may leave `response` hanging on purpose. */
export type Handler = (request: SeenRequest, response: ServerResponse, index: number) => void;

export interface TestServer {
  baseUrl: string;
  /** Every request seen, in arrival order. */
  requests: SeenRequest[];
  /** Replaces the handler and forgets the requests seen so far. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, so tests go through Node's fetch for real. */
export async function startTestServer(): Promise<TestServer> {
  let handler: Handler = (_request, response) => send(response, 500, 'no handler set');
  const requests: SeenRequest[] = [];
  const server = createServer((incoming, response) => {
    const seen = { url: new URL(incoming.url ?? '/', 'http://127.0.0.1'), headers: incoming.headers };
    requests.push(seen);
    handler(seen, response, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections(); // hanging responses would otherwise keep close() waiting
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** Sends a complete response; `body` as given, so a test can send truncated JSON or plain text. */
export function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}
