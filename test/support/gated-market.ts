import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A gate in front of the local market server, so a test decides when a CLI's fetches answer: daily
 * chart requests after the first `passFirst` are held until `open()` (proxied then) or `fail()` (answered
 * 503, a retryable error); every other request (the CLI's reachability HEAD) passes at once.
 */
export interface MarketGate {
  yahooBaseUrl: string;
  /** Chart requests held right now. */
  readonly held: number;
  open(): void;
  fail(): void;
  close(): Promise<void>;
}

export async function startMarketGate(targetYahooBaseUrl: string, passFirst = 0): Promise<MarketGate> {
  const target = new URL(targetYahooBaseUrl);
  let mode: 'hold' | 'open' | 'fail' = 'hold';
  let passed = 0;
  const held: [IncomingMessage, ServerResponse][] = [];
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const refuse = (res: ServerResponse) => {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('held by the test gate');
  };
  // A task's bars come from a daily chart request; the action-history fetch of an asset's first
  // collection (interval=3mo) is not what the tests gate, so it passes like the reachability HEAD.
  const gated = (req: IncomingMessage) =>
    req.url?.includes('/v8/finance/chart/') === true && !req.url.includes('interval=3mo');
  const server = createServer((req, res) => {
    if (!gated(req) || mode === 'open' || passed < passFirst) {
      if (gated(req)) passed += 1;
      forward(req, res);
    } else if (mode === 'fail') refuse(res);
    else held.push([req, res]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const prefix = target.pathname.replace(/\/+$/, '');
  return {
    yahooBaseUrl: `http://127.0.0.1:${port}${prefix}`,
    get held() {
      return held.length;
    },
    open() {
      mode = 'open';
      for (const [req, res] of held.splice(0)) forward(req, res);
    },
    fail() {
      mode = 'fail';
      for (const [, res] of held.splice(0)) refuse(res);
    },
    async close() {
      for (const [, res] of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns true, for at most `limitMs` (the caller asserts the outcome). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  limitMs = 60_000,
): Promise<boolean> {
  const giveUp = Date.now() + limitMs;
  while (Date.now() < giveUp) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
