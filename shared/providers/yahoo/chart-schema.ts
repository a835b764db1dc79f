import * as z from '#shared/domain/zod.ts';
import { boundedNumber, boundedRecord, epochSeconds, MAX_SERIES, providerText } from '../bounds.ts';
import { parseJson } from '../outcomes.ts';
import { fastBoundedSeries, fastEpochSecondsSeries } from '../series.ts';

/*
 * The v8 chart response, as lenient as Yahoo is: price arrays hold nulls, an empty range has no
 * `timestamp` at all and `indicators.quote = [{}]`, adjclose is absent for intraday data, events are
 * keyed by timestamp strings. Fields we do not use are not described, so Yahoo adding some breaks nothing.
 * Every field we read is bounded (bounds.ts): a hostile or broken answer is invalid-response, never a
 * RangeError, a megabyte string in a task error, or an escape sequence in a terminal.
 */

const strictSeries = z.array(z.nullable(boundedNumber)).check(z.maxLength(MAX_SERIES));
const strictTimestamps = z.array(epochSeconds).check(z.maxLength(MAX_SERIES));

const dividendSchema = z.object({ amount: boundedNumber, date: epochSeconds });
const splitSchema = z.object({
  date: epochSeconds,
  numerator: boundedNumber.check(z.positive()),
  denominator: boundedNumber.check(z.positive()),
});

/** Yahoo's own words, kept (cleaned and cut) because they are the reason a person reads. */
export const chartErrorSchema = z.object({ code: providerText(64), description: providerText(300) });

/** The response schema around the given schemas of its long arrays (see series.ts for why two). */
function chartResponse(series: z.ZodMiniType<(number | null)[]>, timestamps: z.ZodMiniType<number[]>) {
  const quoteSchema = z.object({
    open: z.optional(series),
    high: z.optional(series),
    low: z.optional(series),
    close: z.optional(series),
    volume: z.optional(series),
  });
  const resultSchema = z.object({
    meta: z.object({
      symbol: z.string().check(z.maxLength(32)),
      // The longest IANA name is 32 characters (America/Argentina/ComodRivadavia).
      exchangeTimezoneName: z.optional(z.string().check(z.maxLength(64))),
      dataGranularity: z.optional(z.string().check(z.maxLength(8))),
      /** The first session's open, epoch seconds; null or absent for some instruments. */
      firstTradeDate: z.optional(z.nullable(z.number().check(z.int()))),
    }),
    timestamp: z.optional(timestamps),
    events: z.optional(
      z.object({
        dividends: z.optional(boundedRecord(dividendSchema)),
        splits: z.optional(boundedRecord(splitSchema)),
      }),
    ),
    indicators: z.object({
      quote: z.array(quoteSchema).check(z.minLength(1), z.maxLength(4)),
      adjclose: z.optional(z.array(z.object({ adjclose: z.optional(series) })).check(z.maxLength(4))),
    }),
  });
  return z.object({
    chart: z.object({
      result: z.nullable(z.array(resultSchema).check(z.maxLength(4))),
      error: z.nullable(chartErrorSchema),
    }),
  });
}

/** Element by element: slow on long arrays, but its issues name the element at fault. */
export const chartResponseSchema = chartResponse(strictSeries, strictTimestamps);
/** The same acceptance, each long array checked in one loop (series.ts). */
const fastChartResponseSchema = chartResponse(fastBoundedSeries, fastEpochSecondsSeries);

export type ChartResponse = z.infer<typeof chartResponseSchema>;
export type ChartResult = NonNullable<ChartResponse['chart']['result']>[number];

/**
 * Parses a chart response: the fast schema first, and only when it rejects the strict one, so a bad
 * body is reported with exactly the strict schema's issues (paths to the element at fault).
 */
export function parseChartResponse(json: unknown): ReturnType<typeof chartResponseSchema.safeParse> {
  const fast = fastChartResponseSchema.safeParse(json);
  return fast.success ? fast : chartResponseSchema.safeParse(json);
}

const errorBodySchema = z.object({ chart: z.object({ error: chartErrorSchema }) });

/** Yahoo's own words from an error body (`{"chart":{"error":{...}}}`), or null when it is not one. */
export function yahooErrorText(body: string): string | null {
  const json = parseJson(body); // not JSON at all for the plain-text "Edge: Too Many Requests"
  const parsed = json.ok ? errorBodySchema.safeParse(json.value) : null;
  return parsed?.success ? `${parsed.data.chart.error.code}: ${parsed.data.chart.error.description}` : null;
}
