import * as z from 'zod';
import { toDay, toIsoDate } from '#shared/calendars/iso-day.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import type { MarketData } from './market-data.ts';
import { jsonReply, type Reply } from './reply.ts';
import { roundTo } from './rounding.ts';

/** Upbit's answer for a market it does not list. */
export const UPBIT_NOT_FOUND = { error: { name: 404, message: 'Code not found' } };
export const UPBIT_MAX_COUNT = 200;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The forms Upbit documents: `...T04:56:53Z`, `... 04:56:53`, `...T13:56:53+09:00`; no offset is UTC. */
const TO_PATTERN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

const candleQuerySchema = z.object({
  market: z.string().min(1),
  count: z.coerce.number().int().min(1).max(UPBIT_MAX_COUNT).default(1),
  to: z.string().optional(),
});

function badRequest(message: string): Reply {
  return jsonReply(400, { error: { name: 400, message } });
}

/** `to` as epoch ms, or NaN when it is none of the documented forms (an unencoded `+` arrives as a space). */
export function parseUpbitTo(to: string): number {
  const match = TO_PATTERN.exec(to);
  if (match === null) return Number.NaN;
  const [, date, time = '00:00:00', zone = 'Z'] = match;
  const offset = zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  return Date.parse(`${date}T${time}${offset}`);
}

const utcStamp = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/**
 * `GET /v1/candles/days?market&count&to`: up to `count` day candles whose 00:00 UTC start is before
 * `to` (exclusive; omitted = now), newest first, with every field of the real body.
 */
export function upbitDayCandles(data: MarketData, query: URLSearchParams, nowMs: number): Reply {
  const parsed = candleQuerySchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) return badRequest(summariseIssues(parsed.error));
  const { market, count, to } = parsed.data;
  const toMs = to === undefined ? nowMs : parseUpbitTo(to);
  if (Number.isNaN(toMs)) return badRequest(`to: "${to}" is not an ISO 8601 date-time`);
  if (!data.exists(market)) return jsonReply(404, UPBIT_NOT_FOUND);
  // The newest candle starting strictly before `to`; one session more than asked gives prev_closing_price.
  const lastDay = Math.ceil(toMs / DAY_MS) - 1;
  const sessions = data
    .sessions(market, toIsoDate(lastDay - 2 * count - 10), toIsoDate(lastDay))
    .slice(-(count + 1));
  const bars = sessions.map((session) => data.bar('upbit', market, session));
  const candles = [];
  for (let i = bars.length - 1; i >= 0 && candles.length < count; i--) {
    const bar = bars[i] as (typeof bars)[number];
    const previousClose = bars[i - 1]?.close ?? bar.open;
    const startMs = toDay(bar.sessionDate) * DAY_MS;
    const change = bar.close - previousClose;
    candles.push({
      market,
      candle_date_time_utc: utcStamp(startMs),
      candle_date_time_kst: utcStamp(startMs + 9 * HOUR_MS),
      opening_price: bar.open,
      high_price: bar.high,
      low_price: bar.low,
      trade_price: bar.close,
      // The last trade of the day, within its final minute.
      timestamp: startMs + DAY_MS - 1 - Math.floor(bar.tickFraction * 60_000),
      candle_acc_trade_price: roundTo((bar.volume * (bar.open + bar.high + bar.low + bar.close)) / 4, 8),
      candle_acc_trade_volume: bar.volume,
      prev_closing_price: previousClose,
      change_price: roundTo(change, 8),
      change_rate: roundTo(change / previousClose, 10),
    });
  }
  return jsonReply(200, candles);
}
