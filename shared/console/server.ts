import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sql } from '#shared/db/client.ts';
import { InputError } from '#shared/domain/errors.ts';
import { cleanText } from '#shared/domain/text.ts';
import { ConsoleRequestError, endpoints } from './api.ts';
import { loadStaticFiles, type StaticFile } from './static-files.ts';

/** The only address the console listens on: the machine itself, never the network. */
export const CONSOLE_HOST = '127.0.0.1';

export interface ConsoleOptions {
  /** The read-only login's client: the console never writes, and the database refuses it if it tried. */
  sql: Sql;
  /** 0 picks a free port. */
  port?: number;
  now?: () => Date;
  /** Where a failed request is reported, one line each (stderr by default). */
  log?: (line: string) => void;
}

export interface ConsoleServer {
  url: string;
  close(): Promise<void>;
}

const HEADERS = {
  // Pages and data come from this server only; no frames, no plugins.
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/**
 * Serves the console's pages and JSON endpoints on 127.0.0.1 until `close`.
 * @throws InputError naming --port when the port is taken; the file system's error when the pages or
 *   the chart library are missing.
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const files = await loadStaticFiles();
  const context = { sql: options.sql, now: options.now ?? (() => new Date()) };
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let origins: string[] = [];
  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      const status = error instanceof ConsoleRequestError ? error.status : 500;
      const message = cleanText(error instanceof Error ? error.message : String(error), 300);
      if (status === 500) log(`console: ${req.method} ${cleanText(req.url ?? '', 200)} failed: ${message}`);
      send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message }));
    });
  });
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', 'the console only reads: GET or HEAD');
    }
    // A page elsewhere cannot reach this server through a name it rebinds to 127.0.0.1.
    if (!origins.includes(req.headers.host ?? '')) return send(res, 421, 'text/plain', 'unknown host');
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const file: StaticFile | undefined = files.get(url.pathname);
    if (file) return send(res, 200, file.type, file.body);
    if (url.pathname === '/favicon.ico') return send(res, 204, 'text/plain', '');
    const route = /^\/api\/(?:jobs\/(\d{1,15})|([a-z]+))$/.exec(url.pathname);
    const endpoint = route && endpoints[route[1] ? 'job' : (route[2] ?? '')];
    if (!route || !endpoint) throw new ConsoleRequestError(404, `no such page: ${url.pathname}`);
    const body = await endpoint(context, Object.fromEntries(url.searchParams), Number(route[1]));
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body));
  };
  const port = await listen(server, options.port ?? 0);
  origins = [`${CONSOLE_HOST}:${port}`, `localhost:${port}`];
  return {
    url: `http://${CONSOLE_HOST}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...HEADERS, 'content-type': type }).end(body);
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new InputError(
              `console: port ${port} on ${CONSOLE_HOST} is not free; choose another with --port`,
              {
                cause: error,
              },
            )
          : error,
      );
    });
    server.listen(port, CONSOLE_HOST, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
