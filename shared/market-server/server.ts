import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isoDateSchema } from '#shared/domain/daily-bar.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import { type MarketAction, marketActionSchema } from './corporate-actions.ts';
import { type MarketBar, MarketData, type MarketProvider } from './market-data.ts';
import {
  type Faults,
  type FaultsInput,
  MarketServerConfigError,
  type MarketServerOptions,
  mergeFaults,
  parseMarketServerOptions,
} from './options.ts';
import { createRequestHandler } from './request-handler.ts';
import { type MarketServerStats, StatsRecorder } from './stats.ts';
import { UpbitRateWindow } from './upbit-rate-window.ts';

/** A running market server on 127.0.0.1. Each service has its own prefix, so a swapped base URL gets 404. */
export interface MarketServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** `${url}/yahoo`: serves `/v8/finance/chart/{symbol}` below it. */
  readonly yahooBaseUrl: string;
  /** `${url}/upbit`: serves `/v1/candles/days` below it. */
  readonly upbitBaseUrl: string;
  /** Changes the given fault knobs from the next request on. Throws MarketServerConfigError. */
  setFaults(change: Partial<FaultsInput>): void;
  /** The fault knobs in force. */
  faults(): Faults;
  /** Requests by route and status, faults by kind, since the start. */
  stats(): MarketServerStats;
  /**
   * The bars `provider` serves for `symbol` on sessions in [start, end] (inclusive) at this moment:
   * published ones only, none for a missing symbol, Yahoo's null bars left out. Throws RangeError for a
   * date that is not YYYY-MM-DD.
   */
  barsFor(provider: MarketProvider, symbol: string, start: string, end: string): MarketBar[];
  /**
   * The same sessions as traded (what the pipeline stores): no later split applied, no adjusted close
   * for Yahoo. Equal to barsFor, adjClose aside, for a symbol without corporate actions.
   */
  tradedBarsFor(provider: MarketProvider, symbol: string, start: string, end: string): MarketBar[];
  /** Announces a split or dividend from the next request on (it applies once its ex-date comes). */
  announceCorporateAction(action: MarketAction): void;
  /** Closes the server, dropping hung and delayed requests. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a server speaking Yahoo's chart and Upbit's day-candle formats for any symbol, from seeded
 * prices on each symbol's exchange calendar, with fault knobs. Throws MarketServerConfigError for
 * invalid options; rejects when the port cannot be bound.
 */
export async function startMarketServer(options: MarketServerOptions = {}): Promise<MarketServer> {
  const config = parseMarketServerOptions(options);
  const data = new MarketData(config);
  const stats = new StatsRecorder();
  let faults = config.faults;
  const handler = createRequestHandler({
    data,
    stats,
    upbitWindow: new UpbitRateWindow(config.upbitRequestsPerSecond, config.upbitWallClock),
    seed: config.seed,
    now: config.now,
    faults: () => faults,
  });
  const server = createServer(handler.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;

  return {
    url,
    yahooBaseUrl: `${url}/yahoo`,
    upbitBaseUrl: `${url}/upbit`,
    setFaults(change) {
      faults = mergeFaults(faults, change);
    },
    faults: () => structuredClone(faults),
    stats: () => stats.snapshot(),
    barsFor(provider, symbol, start, end) {
      for (const date of [start, end]) {
        if (!isoDateSchema.safeParse(date).success) {
          throw new RangeError(`market server: barsFor: "${date}" is not a YYYY-MM-DD date`);
        }
      }
      return data.barsFor(provider, symbol, start, end, faults.nullBarRate);
    },
    tradedBarsFor(provider, symbol, start, end) {
      for (const date of [start, end]) {
        if (!isoDateSchema.safeParse(date).success) {
          throw new RangeError(`market server: tradedBarsFor: "${date}" is not a YYYY-MM-DD date`);
        }
      }
      return data.tradedBarsFor(provider, symbol, start, end, faults.nullBarRate);
    },
    announceCorporateAction(action) {
      const parsed = marketActionSchema.safeParse(action);
      if (!parsed.success) {
        throw new MarketServerConfigError(`market server: invalid action: ${summariseIssues(parsed.error)}`);
      }
      data.actions.add(parsed.data);
    },
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        handler.cancelPending();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections(); // hung and keep-alive sockets would otherwise hold close() open
      });
      return stopped;
    },
  };
}
