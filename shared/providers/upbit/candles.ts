import * as z from '#shared/domain/zod.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import { boundedNumber, providerText } from '../bounds.ts';
import { parseJson } from '../outcomes.ts';

const DAY_START = /^\d{4}-\d{2}-\d{2}T00:00:00$/;

/* Day candles: newest first, times without offset. Unused fields (kst time, turnover, change) are ignored. */
const dayCandleSchema = z.object({
  market: z.string().check(z.maxLength(32)),
  /** UTC start of the day candle; the day boundary is 00:00 UTC (09:00 KST). */
  candle_date_time_utc: z.string().check(z.regex(DAY_START, 'expected a day start yyyy-MM-ddT00:00:00')),
  opening_price: boundedNumber,
  high_price: boundedNumber,
  low_price: boundedNumber,
  trade_price: boundedNumber,
  candle_acc_trade_volume: boundedNumber,
});

export type DayCandle = z.infer<typeof dayCandleSchema>;

/** Upbit's page holds at most 200 candles; a longer array is not a page of this API. */
const MAX_PAGE = 200;
const candlePageSchema = z.array(dayCandleSchema).check(z.maxLength(MAX_PAGE));

/**
 * The page as candlePageSchema would give it (the candles' other fields left out), checked in one loop,
 * or undefined when any candle is not one: then the schema says why.
 */
function fastCandlePage(value: unknown): DayCandle[] | undefined {
  if (!Array.isArray(value) || value.length > MAX_PAGE) return undefined;
  const candles: DayCandle[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const c = item as Record<string, unknown>;
    const { market, candle_date_time_utc: at } = c;
    if (typeof market !== 'string' || market.length > 32) return undefined;
    if (typeof at !== 'string' || !DAY_START.test(at)) return undefined;
    const bounded =
      isBoundedNumber(c.opening_price) &&
      isBoundedNumber(c.high_price) &&
      isBoundedNumber(c.low_price) &&
      isBoundedNumber(c.trade_price) &&
      isBoundedNumber(c.candle_acc_trade_volume);
    if (!bounded) return undefined;
    candles.push({
      market,
      candle_date_time_utc: at,
      opening_price: c.opening_price as number,
      high_price: c.high_price as number,
      low_price: c.low_price as number,
      trade_price: c.trade_price as number,
      candle_acc_trade_volume: c.candle_acc_trade_volume as number,
    });
  }
  return candles;
}

/** boundedNumber's test: a number within ±1e18 (NaN and ±Infinity fail the comparisons). */
function isBoundedNumber(value: unknown): boolean {
  return typeof value === 'number' && value >= -1e18 && value <= 1e18;
}

const errorBodySchema = z.object({
  error: z.object({ name: z.union([providerText(64), z.number()]), message: providerText(300) }),
});

/**
 * Reads one page of day candles for `market` requested with `to = cursor` (exclusive, UTC, no suffix).
 * Checks what pagination relies on: every candle is the requested market, strictly older than the cursor,
 * newest first. Never throws; a bad page comes back with the reason.
 */
export function readCandlePage(
  body: string,
  market: string,
  cursor: string,
): { ok: true; candles: DayCandle[] } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  const json = parseJson(body);
  if (!json.ok) return bad(`body is not JSON (${json.error}; ${body.length} bytes)`);
  // A loop for the page that nearly every call sees; zod only to say what is wrong with another.
  const fast = fastCandlePage(json.value);
  const parsed = fast ? { success: true as const, data: fast } : candlePageSchema.safeParse(json.value);
  if (!parsed.success) return bad(`unexpected candle shape: ${summariseIssues(parsed.error)}`);
  let previous = cursor;
  for (const [i, candle] of parsed.data.entries()) {
    const at = candle.candle_date_time_utc;
    if (candle.market !== market) return bad(`candle ${i} is for ${candle.market}, not ${market}`);
    // Without this a server that ignores `to` would make the pagination loop forever.
    if (at >= previous) return bad(`candle ${i} at ${at} is not older than ${previous}`);
    previous = at;
  }
  return { ok: true, candles: parsed.data };
}

/** Upbit's own words from an error body (`{"error":{"name","message"}}`), or null when it is not one. */
export function upbitErrorText(body: string): string | null {
  const json = parseJson(body);
  const parsed = json.ok ? errorBodySchema.safeParse(json.value) : null;
  return parsed?.success ? `${parsed.data.error.name}: ${parsed.data.error.message}` : null;
}
