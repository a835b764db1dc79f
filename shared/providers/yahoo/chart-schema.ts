import { z } from 'zod';
import { parseJson } from '../outcomes.ts';

/*
 * The v8 chart response, as lenient as Yahoo is: price arrays hold nulls, an empty range has no
 * `timestamp` at all and `indicators.quote = [{}]`, adjclose is absent for intraday data, events are
 * keyed by timestamp strings. Fields we do not use are not described, so Yahoo adding some breaks nothing.
 */

const series = z.array(z.number().nullable());

const quoteSchema = z.object({
  open: series.optional(),
  high: series.optional(),
  low: series.optional(),
  close: series.optional(),
  volume: series.optional(),
});

const dividendSchema = z.object({ amount: z.number(), date: z.number().int() });
const splitSchema = z.object({
  date: z.number().int(),
  numerator: z.number().positive(),
  denominator: z.number().positive(),
});

export const chartResultSchema = z.object({
  meta: z.object({
    symbol: z.string(),
    exchangeTimezoneName: z.string().optional(),
    dataGranularity: z.string().optional(),
    /** The first session's open, epoch seconds; null or absent for some instruments. */
    firstTradeDate: z.number().int().nullable().optional(),
  }),
  timestamp: z.array(z.number().int()).optional(),
  events: z
    .object({
      dividends: z.record(z.string(), dividendSchema).optional(),
      splits: z.record(z.string(), splitSchema).optional(),
    })
    .optional(),
  indicators: z.object({
    quote: z.array(quoteSchema).min(1),
    adjclose: z.array(z.object({ adjclose: series.optional() })).optional(),
  }),
});

export type ChartResult = z.infer<typeof chartResultSchema>;

export const chartErrorSchema = z.object({ code: z.string(), description: z.string() });

export const chartResponseSchema = z.object({
  chart: z.object({
    result: z.array(chartResultSchema).nullable(),
    error: chartErrorSchema.nullable(),
  }),
});

const errorBodySchema = z.object({ chart: z.object({ error: chartErrorSchema }) });

/** Yahoo's own words from an error body (`{"chart":{"error":{...}}}`), or null when it is not one. */
export function yahooErrorText(body: string): string | null {
  const json = parseJson(body); // not JSON at all for the plain-text "Edge: Too Many Requests"
  const parsed = json.ok ? errorBodySchema.safeParse(json.value) : null;
  return parsed?.success ? `${parsed.data.chart.error.code}: ${parsed.data.chart.error.description}` : null;
}
