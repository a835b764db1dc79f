import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { localDateAt } from '../dates.ts';
import type { FetchOutcome, ProviderBar } from '../types.ts';
import type { ChartResult } from './chart-schema.ts';
import { openChart } from './open-chart.ts';

export interface ChartRange {
  start: IsoDate;
  end: IsoDate;
  /** Used only when Yahoo's meta names no exchange timezone. */
  timezone?: string;
}

const PRICE_SERIES = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * Turns a 200 chart body into bars, splits and dividends whose exchange-local session dates lie in
 * `range`. Never throws: a body that is not JSON, has the wrong shape or inconsistent series is an
 * `invalid-response` with a reason a person can act on; a `chart.error` is `not-found` or `failed`.
 */
export function readChart(body: string, range: ChartRange, requests: number): FetchOutcome {
  try {
    return read(body, range, requests);
  } catch (error) {
    // The schema bounds every field, so this is a bug; as a reason it ends the task, as a throw it
    // would crash the message into redeliveries with nothing recorded.
    return invalid(`chart could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function read(body: string, range: ChartRange, requests: number): FetchOutcome {
  const opened = openChart(body, range.timezone);
  if (opened.kind !== 'chart') return opened;
  const { chart, zone } = opened;
  const problem = inconsistency(chart);
  return problem === null ? collect(chart, zone, range, requests) : invalid(problem);
}

function collect(chart: ChartResult, zone: string, range: ChartRange, requests: number): FetchOutcome {
  const inRange = (date: IsoDate) => date >= range.start && date <= range.end;
  const { bars, droppedNullBars } = barsOf(chart, zone, range);
  const dated = <T extends { date: number }>(events: Record<string, T> | undefined) =>
    Object.values(events ?? {})
      .map((event) => ({ event, sessionDate: localDateAt(event.date, zone) }))
      .filter(({ sessionDate }) => inRange(sessionDate))
      .sort((a, b) => a.sessionDate.localeCompare(b.sessionDate));
  return {
    kind: 'ok',
    bars,
    splits: dated(chart.events?.splits).map(({ event, sessionDate }) => ({
      sessionDate,
      numerator: event.numerator,
      denominator: event.denominator,
    })),
    dividends: dated(chart.events?.dividends).map(({ event, sessionDate }) => ({
      sessionDate,
      amount: event.amount,
    })),
    droppedNullBars,
    requests,
    ...firstSessionOf(chart, zone),
  };
}

/**
 * The bars of the chart's series dated in `range`, ascending. A plain loop without a closure or an
 * array per bar: it runs for every one of thousands of timestamps.
 */
function barsOf(chart: ChartResult, zone: string, range: ChartRange) {
  const { open, high, low, close, volume } = chart.indicators.quote[0] ?? {};
  const adjclose = chart.indicators.adjclose?.[0]?.adjclose;
  const timestamps = chart.timestamp ?? [];
  const bars: ProviderBar[] = [];
  let droppedNullBars = 0;
  let ascending = true;
  for (let i = 0; i < timestamps.length; i++) {
    const sessionDate = localDateAt(timestamps[i] as number, zone);
    if (sessionDate < range.start || sessionDate > range.end) continue;
    const o = open?.[i] ?? null;
    const h = high?.[i] ?? null;
    const l = low?.[i] ?? null;
    const c = close?.[i] ?? null;
    if (o === null && h === null && l === null && c === null) {
      droppedNullBars++; // Yahoo keeps a timestamp for days it has no data for
      continue;
    }
    const previous = bars.at(-1);
    if (previous !== undefined && previous.sessionDate >= sessionDate) ascending = false;
    bars.push({
      sessionDate,
      open: o ?? Number.NaN,
      high: h ?? Number.NaN,
      low: l ?? Number.NaN,
      close: c ?? Number.NaN,
      adjClose: adjclose?.[i] ?? null,
      volume: volume?.[i] ?? Number.NaN,
    });
  }
  return { bars: ascending ? bars : lastPerDate(bars), droppedNullBars };
}

/** One bar per date, the last listed winning (during a session Yahoo may list the live bar twice), ascending. */
function lastPerDate(bars: ProviderBar[]): ProviderBar[] {
  const byDate = new Map<IsoDate, ProviderBar>();
  for (const bar of bars) byDate.set(bar.sessionDate, bar);
  return [...byDate.values()].sort((a, b) => (a.sessionDate < b.sessionDate ? -1 : 1));
}

/** Yahoo's first session for the symbol, from meta.firstTradeDate (the open of that session). */
function firstSessionOf(chart: ChartResult, zone: string): { firstSession?: IsoDate } {
  const first = chart.meta.firstTradeDate;
  return typeof first === 'number' ? { firstSession: localDateAt(first, zone) } : {};
}

/** Why the series cannot be read bar by bar (e.g. a truncated array), or null when they can. */
function inconsistency(chart: ChartResult): string | null {
  const count = chart.timestamp?.length ?? 0;
  if (count === 0) return null; // an empty range: Yahoo sends `quote: [{}]` and nothing else
  const granularity = chart.meta.dataGranularity;
  if (granularity !== undefined && granularity !== '1d') return `bars are ${granularity}, not 1d`;
  const quote = chart.indicators.quote[0] ?? {};
  for (const name of PRICE_SERIES) {
    const length = quote[name]?.length;
    if (length !== count) {
      return `indicators.quote[0].${name} has ${length ?? 'no'} values for ${count} timestamps`;
    }
  }
  const adjclose = chart.indicators.adjclose?.[0]?.adjclose;
  if (adjclose !== undefined && adjclose.length !== count) {
    return `indicators.adjclose[0].adjclose has ${adjclose.length} values for ${count} timestamps`;
  }
  return null;
}

function invalid(reason: string): FetchOutcome {
  return { kind: 'invalid-response', reason };
}
