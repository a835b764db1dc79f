import type { HttpClient } from '#shared/http/client.ts';
import { addDays, utcMidnightMs } from '../dates.ts';
import { fromHttpFailure, withContext } from '../outcomes.ts';
import { parseFetchRequest } from '../request.ts';
import type { PriceProvider } from '../types.ts';
import { fetchYahooActionHistory } from './action-history.ts';
import { yahooErrorText } from './chart-schema.ts';
import { type ChartRange, readChart } from './read-chart.ts';

export interface YahooProviderConfig {
  /** e.g. https://query1.finance.yahoo.com, or a local server speaking the same format. */
  baseUrl: string;
  http: HttpClient;
}

/**
 * The chart URL for `symbol` over `range`. Yahoo selects bars by timestamp, and a daily bar is stamped at
 * the session open (14:30Z for New York, 02:00Z for Jakarta, 23:00Z for London in summer), so the
 * window is padded a day before and two after; bars are then kept by their exchange-local date.
 */
export function chartUrl(baseUrl: string, symbol: string, range: ChartRange): string {
  const period1 = utcMidnightMs(addDays(range.start, -1)) / 1000;
  const period2 = utcMidnightMs(addDays(range.end, 2)) / 1000;
  const base = baseUrl.replace(/\/+$/, '');
  return (
    `${base}/v8/finance/chart/${encodeURIComponent(symbol)}` +
    `?period1=${period1}&period2=${period2}&interval=1d&events=div%7Csplit&includeAdjustedClose=true`
  );
}

/** Daily bars from Yahoo's v8 chart API: one request per fetch, the whole range at once. */
export function createYahooProvider(config: YahooProviderConfig): PriceProvider {
  return {
    name: 'yahoo',
    async fetchDailyBars(request) {
      const range = parseFetchRequest('yahoo', request);
      const context = `yahoo ${range.symbol} ${range.start}..${range.end}`;
      const response = await config.http.get(chartUrl(config.baseUrl, range.symbol, range));
      if (response.kind !== 'ok') return fromHttpFailure(response, context, yahooErrorText);
      return withContext(readChart(response.body, range, response.attempts), context);
    },
    fetchActionHistory: (request) => fetchYahooActionHistory(config, request),
  };
}
