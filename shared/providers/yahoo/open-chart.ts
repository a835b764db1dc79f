import { summariseIssues } from '#shared/http/errors.ts';
import { localDateAt } from '../dates.ts';
import { parseJson } from '../outcomes.ts';
import type { FetchOutcome } from '../types.ts';
import { type ChartResult, parseChartResponse } from './chart-schema.ts';

/** A chart body that could not be opened: what every reader of it returns. */
export type ChartFailure = Exclude<FetchOutcome, { kind: 'ok' }>;

/**
 * The one chart of a 200 chart body and the exchange timezone its dates are in (the meta's, else
 * `timezone`). A body that is not JSON or not a chart, a missing or unknown timezone is an
 * `invalid-response`; Yahoo's `chart.error` is `not-found` ("Not Found") or a non-retryable `failed`.
 */
export function openChart(
  body: string,
  timezone: string | undefined,
): { kind: 'chart'; chart: ChartResult; zone: string } | ChartFailure {
  const json = parseJson(body);
  if (!json.ok) return invalid(`body is not JSON (${json.error}; ${body.length} bytes)`);
  const parsed = parseChartResponse(json.value);
  if (!parsed.success) return invalid(`unexpected chart shape: ${summariseIssues(parsed.error)}`);
  const { result, error } = parsed.data.chart;
  if (error !== null) {
    const reason = `${error.code}: ${error.description}`;
    return error.code === 'Not Found'
      ? { kind: 'not-found', reason }
      : { kind: 'failed', reason, retryable: false };
  }
  const chart = result?.[0];
  if (chart === undefined) return invalid('chart.result is empty and chart.error is null');
  const zone = chart.meta.exchangeTimezoneName ?? timezone;
  if (zone === undefined)
    return invalid('meta.exchangeTimezoneName is missing and the request named no timezone');
  try {
    localDateAt(0, zone);
  } catch {
    return invalid(`meta.exchangeTimezoneName "${zone}" is not a known IANA timezone`);
  }
  return { kind: 'chart', chart, zone };
}

function invalid(reason: string): ChartFailure {
  return { kind: 'invalid-response', reason };
}
