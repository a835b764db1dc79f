/**
 * A local stand-in for Yahoo's chart API and Upbit's day candles, for offline runs, tests,
 * benchmarks and fault drills. Start it with `startMarketServer`; see server.ts.
 */
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
} from './options.ts';
export { type MarketServer, startMarketServer } from './server.ts';
export type { MarketServerStats, RouteName } from './stats.ts';
