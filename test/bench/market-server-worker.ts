import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { type MarketProvider, startMarketServer } from '#shared/market-server/index.ts';

/*
 * The thread behind remote-market.ts. In front of the market server sits a cache of its 200 answers by
 * URL (the clock is fixed and there are no faults, so an answer never changes): after a warm-up pass,
 * serving costs a copy, as a remote provider's rendering costs this machine nothing.
 */
type Request =
  | { kind: 'bars'; provider: MarketProvider; symbols: string[]; start: string; end: string }
  | { kind: 'stats' }
  | { kind: 'stop' };

const port = parentPort;
if (!port) throw new Error('market-server-worker: run me as a worker thread');
const { nowMs } = workerData as { nowMs: number };
const market = await startMarketServer({ now: () => nowMs });
const cache = new Map<string, { type: string; body: Buffer }>();
let hits = 0;
let misses = 0;

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  let entry = cache.get(url);
  if (entry) hits += 1;
  else {
    misses += 1;
    const answer = await fetch(`${market.url}${url}`);
    const body = Buffer.from(await answer.arrayBuffer());
    const type = answer.headers.get('content-type') ?? 'application/json';
    if (answer.status !== 200) {
      res.writeHead(answer.status, { 'content-type': type }).end(body);
      return;
    }
    entry = { type, body };
    cache.set(url, entry);
  }
  res.writeHead(200, { 'content-type': entry.type, 'content-length': entry.body.length }).end(entry.body);
}

const front = createServer((req, res) => {
  serve(req, res).catch(() => res.writeHead(502).end());
});
await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

port.on('message', async (message: Request) => {
  if (message.kind === 'stop') {
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
    await market.stop();
    port.close();
    return;
  }
  if (message.kind === 'stats') {
    port.postMessage({ kind: 'stats', hits, misses });
    return;
  }
  const bars = message.symbols.map((s) => market.barsFor(message.provider, s, message.start, message.end));
  port.postMessage({ kind: 'bars', bars });
});
port.postMessage({ kind: 'ready', yahooBaseUrl: `${url}/yahoo`, upbitBaseUrl: `${url}/upbit` });
