import * as z from 'zod';
import type { CalendarId } from '#shared/calendars/index.ts';
import { isoDateSchema } from '#shared/domain/daily-bar.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import { marketActionSchema } from './corporate-actions.ts';
import { HOSTILE_KINDS } from './hostile.ts';

/** Market server options that cannot work: a rate above 1, a negative latency, a bad date. */
export class MarketServerConfigError extends Error {
  override name = 'MarketServerConfigError';
}

/** The seed used when none is given, so that two runs without options serve the same prices. */
export const DEFAULT_SEED = 20_240_101;

const share = z.number().min(0).max(1);
const milliseconds = z.number().int().nonnegative();

/** Fault knobs; every share is a per-request probability (nullBarRate: per bar), drawn from the seed. */
export const faultsSchema = z.strictObject({
  /** Yahoo: plain-text "Edge: Too Many Requests" with Retry-After; Upbit: its JSON too_many_requests. */
  rate429: share.default(0),
  /** Seconds in the Retry-After header of Yahoo's 429. */
  retryAfterSeconds: z.number().int().nonnegative().default(1),
  /** 502 or 503, half and half. */
  rate5xx: share.default(0),
  /** Delay before every answer: fixed, or uniform in [min, max]. */
  latencyMs: z
    .union([
      milliseconds,
      z.strictObject({ min: milliseconds, max: milliseconds }).refine((r) => r.min <= r.max, 'min > max'),
    ])
    .default(0),
  /** 200 with valid JSON of the wrong shape. */
  malformedRate: share.default(0),
  /** 200 with the JSON cut in the middle. */
  truncatedRate: share.default(0),
  /** Yahoo only: bars listed with null prices, timestamps kept (chosen per symbol and date, not request). */
  nullBarRate: share.default(0),
  /** Requests that are accepted and never answered. */
  hangRate: share.default(0),
  /** Every 200 made hostile this way (see hostileReply): far timestamp, 1 MB text, escapes, huge body. */
  hostile: z.enum(HOSTILE_KINDS).nullable().default(null),
  /** White space in front of the body for `hostile: 'hugeBody'`. */
  hugeBodyBytes: z
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  /** Symbols that always fail with the given status, e.g. `{ XLE: 500 }`. */
  failingSymbols: z.record(z.string().min(1), z.number().int().min(400).max(599)).default({}),
});

export type Faults = z.infer<typeof faultsSchema>;
export type FaultsInput = z.input<typeof faultsSchema>;

/** Every knob off: `server.setFaults(NO_FAULTS)` ends a drill. */
export const NO_FAULTS: Faults = Object.freeze(faultsSchema.parse({}));

/** Which exchange calendar a symbol trades on. */
export type CalendarOf = (symbol: string) => CalendarId;

/**
 * `.KS`/`.KQ` and the KOSPI/KOSDAQ indices trade in Seoul; Upbit markets (`KRW-*`) and Yahoo crypto
 * pairs (`*-USD`) trade every day; everything else is taken for a New York listing.
 */
export function defaultCalendarOf(symbol: string): CalendarId {
  const upper = symbol.toUpperCase();
  if (/\.(KS|KQ)$/.test(upper) || upper === '^KS11' || upper === '^KQ11') return 'XKRX';
  if (upper.startsWith('KRW-') || upper.endsWith('-USD')) return '24/7';
  return 'XNYS';
}

const isFunction = (value: unknown) => typeof value === 'function';

/** A clock option: a function returning epoch ms. */
const epochClock = () => z.custom<() => number>(isFunction, 'expected a function returning epoch ms');

export const marketServerOptionsSchema = z.strictObject({
  seed: z.union([z.number().int(), z.string().min(1)]).default(DEFAULT_SEED),
  /** The server's clock in epoch ms: a session has a bar once its close plus publication lag passed. */
  now: epochClock().default(() => Date.now),
  calendarOf: z.custom<CalendarOf>(isFunction, 'expected a function').default(() => defaultCalendarOf),
  /** Symbols that answer like a delisted one (Yahoo 404 "No data found", Upbit 404 "Code not found"). */
  missingSymbols: z.array(z.string().min(1)).default([]),
  /** No symbol has a bar before this date (Yahoo's firstTradeDate; where Upbit paging stops). */
  historyStart: z._default(isoDateSchema, '2000-01-03'),
  /** Upbit's per-second limit for the candle group, counted per wall-clock second. */
  upbitRequestsPerSecond: z.number().int().positive().default(10),
  /** The wall clock (epoch ms) Upbit's per-second windows are counted on; tests may freeze it. */
  upbitWallClock: epochClock().default(() => Date.now),
  /** Deliberate price jumps: every price of `symbol` from session `from` on is multiplied by `factor`. */
  priceJumps: z
    .array(z.strictObject({ symbol: z.string().min(1), from: isoDateSchema, factor: z.number().positive() }))
    .default([]),
  /** Splits and dividends (amounts as paid); none by default, so the default universe has none. */
  corporateActions: z.array(marketActionSchema).default([]),
  /**
   * Provider corrections: the bar of `symbol` on `session` is served with `field` (every price when
   * absent) multiplied by `factor`, as a provider that revised one bar after first publishing it.
   */
  corrections: z
    .array(
      z.strictObject({
        symbol: z.string().min(1),
        session: isoDateSchema,
        field: z.enum(['open', 'high', 'low', 'close', 'volume']).optional(),
        factor: z.number().positive(),
      }),
    )
    .default([]),
  faults: faultsSchema.prefault({}),
  port: z.number().int().min(0).max(65_535).default(0),
});

export type MarketServerOptions = z.input<typeof marketServerOptionsSchema>;
export type MarketServerConfig = z.infer<typeof marketServerOptionsSchema>;

/** Validates options over the defaults. Throws MarketServerConfigError naming what is wrong. */
export function parseMarketServerOptions(options: MarketServerOptions): MarketServerConfig {
  return parseOrThrow(marketServerOptionsSchema, options, 'invalid options');
}

/** `current` with `change` applied. Throws MarketServerConfigError when the result is invalid. */
export function mergeFaults(current: Faults, change: Partial<FaultsInput>): Faults {
  return parseOrThrow(faultsSchema, { ...current, ...change }, 'invalid faults');
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new MarketServerConfigError(`market server: ${what}: ${summariseIssues(parsed.error)}`, {
    cause: parsed.error,
  });
}
