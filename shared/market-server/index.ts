/**
 * A local stand-in for Yahoo's chart API and Upbit's day candles, for offline runs, tests, benchmarks
 * and fault drills: `startMarketServer(options)` on 127.0.0.1.
 *
 * Routes (each service under its own prefix, so a provider pointed at the wrong one gets a 404):
 * - `GET {yahooBaseUrl}/v8/finance/chart/{symbol}?period1&period2&interval=1d|1wk|1mo|3mo` (= `/yahoo/...`),
 *   with Yahoo's `events` block and re-based history for symbols given `corporateActions`
 * - `GET {upbitBaseUrl}/v1/candles/days?market&count&to` (= `/upbit/...`)
 *
 * Bars are a pure function of (seed, symbol, session date) on the symbol's calendar, published once
 * close + lag has passed at `now()`; `barsFor` returns exactly what is served. Fault knobs (options.ts)
 * are decided per request from the seed, the URL and how often it was asked, and `setFaults` changes
 * them at run time.
 */
export type { MarketAction } from './corporate-actions.ts';
export type { FaultKind } from './faults.ts';
export type { MarketBar, MarketProvider } from './market-data.ts';
export {
  type CalendarOf,
  DEFAULT_SEED,
  defaultCalendarOf,
  type Faults,
  type FaultsInput,
  MarketServerConfigError,
  type MarketServerOptions,
  NO_FAULTS,
} from './options.ts';
export { type MarketServer, startMarketServer } from './server.ts';
export type { MarketServerStats, RouteName } from './stats.ts';
