import type { IncomingMessage, ServerResponse } from 'node:http';
import { corrupt, type FaultPlan, failureReply, planFaults, tooManyRequests } from './faults.ts';
import { hostileReply } from './hostile.ts';
import type { MarketData, MarketProvider } from './market-data.ts';
import type { Faults } from './options.ts';
import { hashString, mixKeys, randomStream } from './random.ts';
import { type Reply, textReply } from './reply.ts';
import type { RouteName, StatsRecorder } from './stats.ts';
import { upbitDayCandles } from './upbit-candles.ts';
import type { UpbitRateWindow } from './upbit-rate-window.ts';
import { yahooChart } from './yahoo-chart.ts';

const YAHOO_CHART = /^\/yahoo\/v8\/finance\/chart\/([^/]+)$/;
const UPBIT_DAYS = '/upbit/v1/candles/days';
/** Per-URL occurrence counts are forgotten past this many URLs, so a soak run cannot grow without end. */
const MAX_TRACKED_URLS = 100_000;

export interface HandlerDependencies {
  data: MarketData;
  stats: StatsRecorder;
  upbitWindow: UpbitRateWindow;
  seed: number | string;
  now: () => number;
  /** Read on every request, so that setFaults applies from the next one. */
  faults: () => Faults;
}

/**
 * Answers one request: route, Upbit's per-second limit, then the faults planned for it (hang, latency,
 * a failure instead of the answer, or a spoiled 200). `cancelPending` drops delayed answers on stop.
 */
export function createRequestHandler(deps: HandlerDependencies) {
  const { data, stats } = deps;
  const seedKey = hashString(`faults:${deps.seed}`);
  const occurrences = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();

  /** Seeded by the URL and how often it was asked: a retry gets a fresh draw, a rerun the same ones. */
  function requestRandom(url: string): () => number {
    const key = hashString(url);
    const seen = occurrences.get(key) ?? 0;
    if (occurrences.size >= MAX_TRACKED_URLS) occurrences.clear();
    occurrences.set(key, seen + 1);
    return randomStream(mixKeys(seedKey, key, seen));
  }

  function routeReply(provider: MarketProvider, symbol: string, query: URLSearchParams): Reply {
    const nowMs = deps.now();
    if (provider === 'upbit') return upbitDayCandles(data, query, nowMs);
    const { nullBarRate } = deps.faults();
    return yahooChart(data, symbol, query, {
      nowMs,
      isNullBar: (session) => data.isNullBar(symbol, session, nullBarRate),
      onNullBar: () => stats.fault('nullBar'),
    });
  }

  function faultedReply(plan: FaultPlan, provider: MarketProvider, symbol: string, url: URL): Reply {
    if (plan.failure !== null) {
      stats.fault(plan.failure.kind);
      return failureReply(provider, plan.failure.status, deps.faults());
    }
    let reply: Reply;
    try {
      reply = routeReply(provider, symbol, url.searchParams);
    } catch (error) {
      // A server bug or a clock outside the calendars: say so loudly rather than serve wrong bars.
      return textReply(500, `market server: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { hostile, hugeBodyBytes } = deps.faults();
    if (reply.status === 200 && hostile !== null) {
      stats.fault('hostile');
      return hostileReply(provider, reply, hostile, hugeBodyBytes);
    }
    if (reply.status !== 200 || plan.corruption === null) return reply;
    stats.fault(plan.corruption);
    return corrupt(provider, reply, plan.corruption);
  }

  function send(response: ServerResponse, route: RouteName, reply: Reply): void {
    if (response.destroyed) return; // the client gave up while the answer was delayed
    stats.answered(route, reply.status);
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    stats.received();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const yahooSymbol = YAHOO_CHART.exec(url.pathname)?.[1];
    const provider: MarketProvider | null =
      yahooSymbol !== undefined ? 'yahoo' : url.pathname === UPBIT_DAYS ? 'upbit' : null;
    if (provider === null || request.method !== 'GET') {
      send(response, 'unknown', textReply(404, 'Not Found'));
      return;
    }
    const route: RouteName = provider === 'yahoo' ? 'yahoo-chart' : 'upbit-candles-days';
    const symbol =
      provider === 'yahoo' ? safeDecode(yahooSymbol ?? '') : (url.searchParams.get('market') ?? '');
    const limit = provider === 'upbit' ? deps.upbitWindow.take() : null;
    const plan = planFaults(deps.faults(), requestRandom(`${url.pathname}${url.search}`), symbol);
    if (plan.hang && limit?.allowed !== false) {
      stats.fault('hang');
      stats.answered(route, 'hang');
      return; // never answered: the client's timeout or stop() ends it
    }
    const headers: Record<string, string> = limit === null ? {} : { 'remaining-req': limit.header };
    const respond = () => {
      const reply =
        limit?.allowed === false ? tooManyRequests('upbit', 0) : faultedReply(plan, provider, symbol, url);
      send(response, route, { ...reply, headers: { ...reply.headers, ...headers } });
    };
    if (plan.latencyMs === 0) {
      respond();
      return;
    }
    stats.fault('latency');
    const timer = setTimeout(() => {
      timers.delete(timer);
      respond();
    }, plan.latencyMs);
    timers.add(timer);
  }

  function cancelPending(): void {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  }

  return { handle, cancelPending };
}

/** A path segment as the client meant it (`%5EKS11` is `^KS11`); a broken escape is kept as sent. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
