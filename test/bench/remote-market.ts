import { Worker } from 'node:worker_threads';
import type { MarketBar, MarketProvider } from '#shared/market-server/index.ts';

/** The local market server on its own thread: its request handling and JSON encoding do not take turns with the pipeline. */
export interface RemoteMarket {
  yahooBaseUrl: string;
  upbitBaseUrl: string;
  /** What the server serves for each symbol in [start, end] (see MarketServer.barsFor). */
  barsFor(provider: MarketProvider, symbols: string[], start: string, end: string): Promise<MarketBar[][]>;
  /** Requests answered from the worker's cache, and those the market server rendered. */
  stats(): Promise<{ hits: number; misses: number }>;
  stop(): Promise<void>;
}

type Reply =
  | { kind: 'ready'; yahooBaseUrl: string; upbitBaseUrl: string }
  | { kind: 'bars'; bars: MarketBar[][] }
  | { kind: 'stats'; hits: number; misses: number };

/**
 * Starts the market server in a worker thread, its clock fixed at `nowMs`, behind a cache of its answers
 * (see market-server-worker.ts), as a remote provider would be: the benchmark then measures the
 * pipeline, not the stand-in. Rejects when the worker fails to start.
 */
export async function startRemoteMarket(nowMs: number): Promise<RemoteMarket> {
  // Node 20 does not carry tsx's loader into workers: the thread registers it before importing the module.
  const entry = new URL('./market-server-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { nowMs } });
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const ready = await next();
  if (ready.kind !== 'ready') throw new Error('market server worker: expected its URLs first');
  return {
    yahooBaseUrl: ready.yahooBaseUrl,
    upbitBaseUrl: ready.upbitBaseUrl,
    async barsFor(provider, symbols, start, end) {
      const reply = next();
      worker.postMessage({ kind: 'bars', provider, symbols, start, end });
      const answer = await reply;
      if (answer.kind !== 'bars') throw new Error('market server worker: expected bars');
      return answer.bars;
    },
    async stats() {
      const reply = next();
      worker.postMessage({ kind: 'stats' });
      const answer = await reply;
      if (answer.kind !== 'stats') throw new Error('market server worker: expected stats');
      return { hits: answer.hits, misses: answer.misses };
    },
    async stop() {
      worker.postMessage({ kind: 'stop' });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}
