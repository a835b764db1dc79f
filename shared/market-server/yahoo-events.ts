import { toDay } from '#shared/calendars/iso-day.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { MarketData } from './market-data.ts';

/**
 * Coarse intervals: the first session of each week, month or quarter stands for it (its own day's
 * prices, not an aggregate: the pipeline asks for coarse bars only to get every event cheaply).
 */
export function everyInterval(interval: '1d' | '1wk' | '1mo' | '3mo', sessions: IsoDate[]): IsoDate[] {
  if (interval === '1d') return sessions;
  const periodOf = (session: IsoDate) => {
    if (interval === '1wk') return String(Math.floor((toDay(session) + 3) / 7)); // weeks from a Monday
    const month = Number(session.slice(5, 7)) - 1;
    return `${session.slice(0, 4)}-${interval === '1mo' ? month : Math.floor(month / 3)}`;
  };
  return sessions.filter(
    (session, i) => i === 0 || periodOf(session) !== periodOf(sessions[i - 1] ?? session),
  );
}

/**
 * Yahoo's `events` block for the actions whose ex-date open lies in the requested period and has
 * passed: keyed by the timestamp as a string, dividend amounts adjusted for every split since, like
 * the recordings. Nothing at all (no key) when there is none.
 */
export function chartEvents(
  data: MarketData,
  symbol: string,
  from: IsoDate,
  to: IsoDate,
  inPeriod: (session: IsoDate) => boolean,
): { events?: { dividends?: Record<string, unknown>; splits?: Record<string, unknown> } } {
  if (!data.actions.has(symbol)) return {};
  const today = data.today(symbol);
  const actions = data.actions
    .between(symbol, from, to < today ? to : today)
    .filter((a) => inPeriod(a.exDate));
  if (actions.length === 0) return {};
  const dividends: Record<string, unknown> = {};
  const splits: Record<string, unknown> = {};
  for (const action of actions) {
    const date = data.openSeconds(symbol, action.exDate);
    if (action.kind === 'split') {
      const { numerator, denominator } = action;
      splits[String(date)] = { date, numerator, denominator, splitRatio: `${numerator}:${denominator}` };
    } else {
      const amount = action.amount / data.actions.splitRatio(symbol, action.exDate, today);
      dividends[String(date)] = { amount, date };
    }
  }
  return {
    events: {
      ...(Object.keys(dividends).length > 0 ? { dividends } : {}),
      ...(Object.keys(splits).length > 0 ? { splits } : {}),
    },
  };
}
