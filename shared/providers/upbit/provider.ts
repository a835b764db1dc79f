import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { HttpClient } from '#shared/http/client.ts';
import { addDays, daysBetween } from '../dates.ts';
import { fromHttpFailure, withContext } from '../outcomes.ts';
import { parseFetchRequest } from '../request.ts';
import type { PriceProvider, ProviderBar } from '../types.ts';
import { type DayCandle, readCandlePage, upbitErrorText } from './candles.ts';

/** Upbit's maximum `count` per candle request. */
export const UPBIT_PAGE_SIZE = 200;

export interface UpbitProviderConfig {
  /** e.g. https://api.upbit.com, or a local server speaking the same format. */
  baseUrl: string;
  http: HttpClient;
}

/** The day-candles URL: up to `count` candles strictly before `to` (UTC, `Z` suffix), newest first. */
export function dayCandlesUrl(baseUrl: string, market: string, to: string, count: number): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/v1/candles/days?market=${encodeURIComponent(market)}&count=${count}&to=${encodeURIComponent(to)}`;
}

/**
 * Daily bars from Upbit's day candles, paging backwards from the day after `end`: each next `to` is the
 * oldest candle returned (the cursor is exclusive), until a page comes back short (no older history) or
 * reaches `start`. A fetch is all or nothing: a failure on any page is the outcome.
 */
export function createUpbitProvider(config: UpbitProviderConfig): PriceProvider {
  return {
    name: 'upbit',
    async fetchDailyBars(request) {
      const range = parseFetchRequest('upbit', request);
      const context = `upbit ${range.symbol} ${range.start}..${range.end}`;
      const bars = new Map<IsoDate, ProviderBar>();
      let requests = 0;
      let cursor = `${addDays(range.end, 1)}T00:00:00`;
      let firstSession: IsoDate | undefined;
      for (;;) {
        // Never ask for more days than remain: candles are absent on days without trades, never extra.
        const count = Math.min(UPBIT_PAGE_SIZE, daysBetween(range.start, cursor.slice(0, 10)));
        const response = await config.http.get(
          dayCandlesUrl(config.baseUrl, range.symbol, `${cursor}Z`, count),
        );
        requests += response.attempts;
        if (response.kind !== 'ok') return fromHttpFailure(response, context, upbitErrorText);
        const page = readCandlePage(response.body, range.symbol, cursor);
        if (!page.ok) return withContext({ kind: 'invalid-response', reason: page.reason }, context);
        for (const candle of page.candles) {
          const bar = toBar(candle);
          if (bar.sessionDate >= range.start) bars.set(bar.sessionDate, bar);
        }
        const oldest = page.candles.at(-1)?.candle_date_time_utc;
        // A short page above `start`: Upbit has nothing older, so its oldest candle is the market's first day.
        if (oldest !== undefined && page.candles.length < count && oldest.slice(0, 10) > range.start) {
          firstSession = oldest.slice(0, 10);
        }
        if (oldest === undefined || page.candles.length < count || oldest.slice(0, 10) <= range.start) break;
        cursor = oldest;
      }
      const sorted = [...bars.values()].sort((a, b) => a.sessionDate.localeCompare(b.sessionDate));
      return {
        kind: 'ok',
        bars: sorted,
        splits: [],
        dividends: [],
        droppedNullBars: 0,
        requests,
        ...(firstSession === undefined ? {} : { firstSession }),
      };
    },
  };
}

/** The session date is the UTC date of the candle: Upbit's day runs 00:00-24:00 UTC. */
function toBar(candle: DayCandle): ProviderBar {
  return {
    sessionDate: candle.candle_date_time_utc.slice(0, 10),
    open: candle.opening_price,
    high: candle.high_price,
    low: candle.low_price,
    close: candle.trade_price,
    adjClose: null,
    volume: candle.candle_acc_trade_volume,
  };
}
