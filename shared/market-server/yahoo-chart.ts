import * as z from 'zod';
import { toDay, toIsoDate } from '#shared/calendars/iso-day.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { summariseIssues } from '#shared/http/errors.ts';
import type { MarketData } from './market-data.ts';
import { jsonReply, type Reply } from './reply.ts';
import { chartEvents, everyInterval } from './yahoo-events.ts';
import { chartMeta } from './yahoo-meta.ts';

/** Yahoo's answer for an unknown or delisted symbol, byte for byte (the MDLY recording). */
export const YAHOO_NOT_FOUND = {
  chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } },
};

const DAY_SECONDS = 86_400;
/** 1900 .. 2100: wide enough for any real request, narrow enough for Date arithmetic. */
const epochSeconds = z.coerce.number().int().min(-2_208_988_800).max(4_102_444_800);

const chartQuerySchema = z.object({
  period1: epochSeconds,
  period2: epochSeconds,
  interval: z.enum(['1d', '1wk', '1mo', '3mo'], 'only interval=1d, 1wk, 1mo or 3mo is served').default('1d'),
});

function badRequest(description: string): Reply {
  return jsonReply(400, { chart: { result: null, error: { code: 'Bad Request', description } } });
}

/**
 * `GET /v8/finance/chart/{symbol}`: the daily bars whose open instant lies in [period1, period2]. The
 * end is inclusive like the real service (the BTC-USD recording holds the bar stamped exactly period2).
 * Bars chosen by `isNullBar` are listed with nulls everywhere but their timestamp; `onNullBar` counts
 * them. `nowMs` is the server's clock, which the meta describes.
 */
export function yahooChart(
  data: MarketData,
  symbol: string,
  query: URLSearchParams,
  context: { nowMs: number; isNullBar: (session: IsoDate) => boolean; onNullBar: () => void },
): Reply {
  const parsed = chartQuerySchema.safeParse(Object.fromEntries(query));
  if (!parsed.success) return badRequest(summariseIssues(parsed.error));
  const { period1, period2, interval } = parsed.data;
  if (period1 > period2) {
    return badRequest(
      `Invalid input - start date cannot be after end date. startDate = ${period1}, endDate = ${period2}`,
    );
  }
  if (!data.exists(symbol)) return jsonReply(404, YAHOO_NOT_FOUND);
  // A day either side covers every zone's open; the exact instants decide.
  const from = toIsoDate(Math.floor(period1 / DAY_SECONDS) - 1);
  const to = toIsoDate(Math.floor(period2 / DAY_SECONDS) + 1);
  const sessions = everyInterval(
    interval,
    data.sessions(symbol, from, to).filter((session) => {
      const open = data.openSeconds(symbol, session);
      return open >= period1 && open <= period2;
    }),
  );
  const lastSession = data.lastPublished(symbol);
  const meta = {
    ...chartMeta(data, symbol, {
      nowMs: context.nowMs,
      lastSession,
      previousClose: previousClose(data, symbol, sessions[0] ?? lastSession),
    }),
    dataGranularity: interval,
  };
  const events = chartEvents(data, symbol, from, to, (session) => {
    const open = data.openSeconds(symbol, session);
    return open >= period1 && open <= period2;
  });
  if (sessions.length === 0) {
    // Like the empty recording: no `timestamp` key at all and an empty quote object.
    return jsonReply(200, {
      chart: { result: [{ meta, ...events, indicators: { quote: [{}], adjclose: [{}] } }], error: null },
    });
  }
  const quote = {
    open: [] as Price[],
    high: [] as Price[],
    low: [] as Price[],
    close: [] as Price[],
    volume: [] as Price[],
  };
  const adjclose: Price[] = [];
  for (const session of sessions) {
    const bar = context.isNullBar(session) ? null : data.bar('yahoo', symbol, session);
    if (bar === null) context.onNullBar();
    quote.open.push(bar?.open ?? null);
    quote.high.push(bar?.high ?? null);
    quote.low.push(bar?.low ?? null);
    quote.close.push(bar?.close ?? null);
    quote.volume.push(bar?.volume ?? null);
    adjclose.push(bar?.adjClose ?? null);
  }
  const timestamp = sessions.map((session) => data.openSeconds(symbol, session));
  const result = { meta, timestamp, ...events, indicators: { quote: [quote], adjclose: [{ adjclose }] } };
  return jsonReply(200, { chart: { result: [result], error: null } });
}

type Price = number | null;

/** The close of the session before `session`, or its open when the history starts there. */
function previousClose(data: MarketData, symbol: string, session: IsoDate): number {
  const day = toDay(session);
  // Ten days back spans the longest closure (Chuseok plus a weekend).
  const previous = data.sessions(symbol, toIsoDate(day - 10), toIsoDate(day - 1)).at(-1);
  return previous === undefined
    ? data.bar('yahoo', symbol, session).open
    : data.bar('yahoo', symbol, previous).close;
}
