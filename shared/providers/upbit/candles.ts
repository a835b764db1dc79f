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
  // zod over the whole page: at most 200 candles, so unlike Yahoo's long arrays (series.ts) a loop of
  // our own would save little and cost the ingest bundle its last bytes under issue 12's 0.4x.
  const parsed = candlePageSchema.safeParse(json.value);
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
