import type { CalendarId } from '#shared/calendars/index.ts';
import { zonedTimeToEpochMs } from '#shared/calendars/zoned-time.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { MarketData } from './market-data.ts';

/**
 * `chart.result[0].meta` with the keys of the 2020-era recordings (historicalv8-AAPL/BTC-USD). Like
 * Yahoo's, gmtoffset, timezone and currentTradingPeriod describe the moment of the fetch, not each bar.
 */

const DAY_MS = 86_400_000;

/** Pre-market before and after-hours after the regular session, in minutes (New York 04:00-20:00). */
const EXTENDED_MINUTES: Record<CalendarId, { pre: number; post: number }> = {
  XNYS: { pre: 330, post: 240 },
  XKRX: { pre: 30, post: 150 },
  '24/7': { pre: 0, post: 0 },
};

const VALID_RANGES = ['1d', '5d', '1mo', '3mo', '6mo', '1y', '2y', '5y', '10y', 'ytd', 'max'];

function instrumentOf(symbol: string, calendar: CalendarId) {
  const upper = symbol.toUpperCase();
  const exchangeName = { XNYS: 'NYQ', XKRX: upper.endsWith('.KQ') ? 'KOE' : 'KSC', '24/7': 'CCC' }[calendar];
  let instrumentType = calendar === '24/7' ? 'CRYPTOCURRENCY' : 'EQUITY';
  if (upper.startsWith('^')) instrumentType = 'INDEX';
  return { exchangeName, instrumentType };
}

/** The zone's offset from UTC at `nowMs` in seconds, and its abbreviation as Yahoo writes it. */
function zoneAt(nowMs: number, calendar: CalendarId, timezone: string) {
  const day = Math.floor(nowMs / DAY_MS);
  const gmtoffset = (day * DAY_MS - zonedTimeToEpochMs(day, 0, timezone)) / 1000;
  const abbreviations = { XNYS: gmtoffset === -14_400 ? 'EDT' : 'EST', XKRX: 'KST', '24/7': 'UTC' };
  return { gmtoffset, timezone: abbreviations[calendar] };
}

/**
 * Meta for `symbol` fetched at `nowMs`; `previousClose` is the close before the first bar served.
 * `lastSession` is the newest published session: it sets the market price and the trading period.
 */
export function chartMeta(
  data: MarketData,
  symbol: string,
  args: { nowMs: number; previousClose: number; lastSession: IsoDate },
) {
  const calendar = data.calendarOf(symbol);
  const { gmtoffset, timezone } = zoneAt(args.nowMs, calendar.id, calendar.timezone);
  const open = data.openSeconds(symbol, args.lastSession);
  const close = calendar.sessionClose(args.lastSession).getTime() / 1000;
  const extended = EXTENDED_MINUTES[calendar.id];
  const period = (start: number, end: number) => ({ timezone, start, end, gmtoffset });
  const cents = (price: number) => Math.round(price * 100) / 100;
  const { exchangeName, instrumentType } = instrumentOf(symbol, calendar.id);
  return {
    currency: data.currencyOf(symbol),
    symbol,
    exchangeName,
    instrumentType,
    firstTradeDate: data.openSeconds(symbol, data.firstSession(symbol)),
    regularMarketTime: close,
    gmtoffset,
    timezone,
    exchangeTimezoneName: calendar.timezone,
    regularMarketPrice: cents(data.bar('yahoo', symbol, args.lastSession).close),
    chartPreviousClose: cents(args.previousClose),
    priceHint: 2,
    currentTradingPeriod: {
      pre: period(open - extended.pre * 60, open),
      regular: period(open, close),
      post: period(close, close + extended.post * 60),
    },
    dataGranularity: '1d',
    range: '',
    validRanges: VALID_RANGES,
  };
}
