import type { HttpClient } from '#shared/http/client.ts';
import { addDays, localDateAt, utcMidnightMs } from '../dates.ts';
import { fromHttpFailure } from '../outcomes.ts';
import type { ActionHistoryOutcome, ActionHistoryRequest, FetchOutcome } from '../types.ts';
import { yahooErrorText } from './chart-schema.ts';
import { openChart } from './open-chart.ts';

/*
 * A chart request's `events` hold only the actions inside its period (the NVDA recording of 2021 lists
 * the 2021 split, not the 2024 one its prices are adjusted for). So the complete history is one request
 * from the epoch to the fetch date at a quarterly interval: about 4 bars a year, every event of them all.
 */

/** The chart URL asking for every split and dividend of `symbol` up to `until`. */
export function actionHistoryUrl(baseUrl: string, symbol: string, until: string): string {
  const period2 = utcMidnightMs(addDays(until, 2)) / 1000;
  return (
    `${baseUrl.replace(/\/+$/, '')}/v8/finance/chart/${encodeURIComponent(symbol)}` +
    `?period1=0&period2=${period2}&interval=3mo&events=div%7Csplit`
  );
}

/** Fetches the complete action history with one request; every failure is an outcome. */
export async function fetchYahooActionHistory(
  config: { baseUrl: string; http: HttpClient },
  request: ActionHistoryRequest,
): Promise<ActionHistoryOutcome> {
  const context = `yahoo ${request.symbol} action history`;
  const response = await config.http.get(actionHistoryUrl(config.baseUrl, request.symbol, request.until));
  if (response.kind !== 'ok') return failure(fromHttpFailure(response, context, yahooErrorText));
  const outcome = readActionHistory(response.body, request, response.attempts);
  return outcome.kind === 'ok' ? outcome : { ...outcome, reason: `${context}: ${outcome.reason}` };
}

/** The splits and dividends of a chart body, ex-dates in the exchange's zone, oldest first. */
export function readActionHistory(
  body: string,
  request: ActionHistoryRequest,
  requests: number,
): ActionHistoryOutcome {
  const opened = openChart(body, request.timezone);
  if (opened.kind !== 'chart') return opened;
  const { chart, zone } = opened;
  try {
    const dated = <T extends { date: number }>(events: Record<string, T> | undefined) =>
      Object.values(events ?? {})
        .map((event) => ({ event, sessionDate: localDateAt(event.date, zone) }))
        .filter(({ sessionDate }) => sessionDate <= request.until)
        .sort((a, b) => a.sessionDate.localeCompare(b.sessionDate));
    return {
      kind: 'ok',
      splits: dated(chart.events?.splits).map(({ event, sessionDate }) => ({
        sessionDate,
        numerator: event.numerator,
        denominator: event.denominator,
        record: event,
      })),
      dividends: dated(chart.events?.dividends).map(({ event, sessionDate }) => ({
        sessionDate,
        amount: event.amount,
        record: event,
      })),
      requests,
    };
  } catch (error) {
    // The schema bounds every field and openChart checked the zone, so this is a bug: as a reason it
    // is recorded, as a throw it would crash the task's message into redeliveries.
    return invalid(
      `action history could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function failure(outcome: FetchOutcome): ActionHistoryOutcome {
  return outcome.kind === 'ok' ? invalid('unexpected bars') : outcome;
}

function invalid(reason: string): ActionHistoryOutcome {
  return { kind: 'invalid-response', reason };
}
