import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RateBudget } from '#shared/http/rate-budget.ts';
import type { MarketServer } from '#shared/market-server/index.ts';
import {
  createProvider,
  type FetchOutcome,
  type ProviderName,
  type ProviderOptions,
} from '#shared/providers/index.ts';
import { instantClock } from '#test/http/support/instant-clock.ts';

/** Recorded responses live beside the repository and are read in place, never copied in. */
const FIXTURES_DIR = join(process.cwd(), '..', 'shared', 'fixtures');

export function readFixture(provider: ProviderName, file: string): Promise<string> {
  return readFile(join(FIXTURES_DIR, provider, file), 'utf8');
}

/** A clock frozen at `iso`, for a server whose published sessions must not move during a run. */
export const frozenAt = (iso: string) => () => Date.parse(iso);

/**
 * The real provider pointed at `server`, on virtual time with no jitter and a budget of its own, so
 * back-off costs no wall time; short timeouts so a hang costs a fraction of a second.
 */
export function providerFor(server: MarketServer, name: ProviderName, options: ProviderOptions = {}) {
  const clock = options.clock ?? instantClock();
  return createProvider(name, {
    baseUrl: name === 'yahoo' ? server.yahooBaseUrl : server.upbitBaseUrl,
    // Generous: a request counted twice because a loaded machine answered it after 1 s failed a test.
    timeoutMs: 10_000,
    maxAttempts: 3,
    baseDelayMs: 10,
    maxDelayMs: 50,
    random: () => 0,
    rateBudget: new RateBudget({ perSecond: 1_000, clock }),
    ...options,
    clock,
  });
}

/** The `ok` outcome, or a failure that shows what came back instead. */
export function expectOk(outcome: FetchOutcome): Extract<FetchOutcome, { kind: 'ok' }> {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  return outcome;
}

/**
 * The structure of a JSON value with the values left out: objects by their keys, arrays by their first
 * non-null element, leaves by type. Two bodies with the same shape differ only in their numbers.
 */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) {
    const sample = value.find((item) => item !== null);
    return sample === undefined ? [] : [shapeOf(sample)];
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
    return Object.fromEntries(entries.map(([key, item]) => [key, shapeOf(item)]));
  }
  return value === null ? 'null' : typeof value;
}

/** The parts of a served chart body the tests read. */
export interface ChartBody {
  chart: {
    result: [{ meta: Record<string, unknown>; timestamp?: number[]; indicators: { quote: object[] } }];
    error: unknown;
  };
}

/** The parts of a served day candle the tests read. */
export interface CandleBody {
  candle_date_time_utc: string;
  candle_date_time_kst: string;
  trade_price: number;
  prev_closing_price: number;
  change_price: number;
}

/** A response body parsed as the JSON the test expects (the wire-shape tests check the real shape). */
export async function readJson<T>(response: Response | Promise<Response>): Promise<T> {
  return (await (await response).json()) as T;
}
