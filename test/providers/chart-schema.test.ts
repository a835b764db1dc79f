import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summariseIssues } from '#shared/http/errors.ts';
import { EARLIEST_EPOCH_SECONDS, LATEST_EPOCH_SECONDS, MAX_SERIES } from '#shared/providers/bounds.ts';
import { chartResponseSchema, parseChartResponse } from '#shared/providers/yahoo/chart-schema.ts';
import { FIXTURES_DIR, readFixture } from './support/harness.ts';

/*
 * parseChartResponse checks the long arrays in one loop each; chartResponseSchema, element by element,
 * is the reference: both must accept the same bodies with the same data, and reject the same bodies
 * with the same issues.
 */

/** What a reader of either parse sees: the data, or the one-line issues a task error carries. */
function seen(result: ReturnType<typeof parseChartResponse>) {
  return result.success ? { data: result.data } : { issues: summariseIssues(result.error) };
}

const price = fc.oneof(fc.constant(null), fc.double({ min: -1e18, max: 1e18, noNaN: true }));
const timestamp = fc.integer({ min: EARLIEST_EPOCH_SECONDS, max: LATEST_EPOCH_SECONDS });

/** A chart body as Yahoo shapes it, with series of any length (they need not agree: readChart checks). */
const validBody = fc
  .record({
    timestamp: fc.option(fc.array(timestamp, { maxLength: 40 }), { nil: undefined }),
    open: fc.array(price, { maxLength: 40 }),
    high: fc.array(price, { maxLength: 40 }),
    close: fc.option(fc.array(price, { maxLength: 40 }), { nil: undefined }),
    volume: fc.array(price, { maxLength: 40 }),
    adjclose: fc.option(fc.array(price, { maxLength: 40 }), { nil: undefined }),
  })
  .map(({ timestamp, open, high, close, volume, adjclose }) => ({
    chart: {
      result: [
        {
          meta: { symbol: 'AAPL', exchangeTimezoneName: 'America/New_York', dataGranularity: '1d' },
          ...(timestamp === undefined ? {} : { timestamp }),
          indicators: {
            quote: [{ open, high, low: open, ...(close === undefined ? {} : { close }), volume }],
            ...(adjclose === undefined ? {} : { adjclose: [{ adjclose }] }),
          },
        },
      ],
      error: null,
    },
  }));

/** Values neither schema takes somewhere in a long array: each is one way a series can be broken. */
const hostile = fc.constantFrom<unknown>(
  '1',
  true,
  {},
  [],
  1e19,
  -1e19,
  Number.POSITIVE_INFINITY, // what JSON.parse makes of 1e400
  Number.NEGATIVE_INFINITY,
  1.5,
  EARLIEST_EPOCH_SECONDS - 1,
  LATEST_EPOCH_SECONDS + 1,
  undefined,
);
const seriesName = fc.constantFrom('timestamp', 'open', 'high', 'close', 'volume', 'adjclose');

/** A valid body with one element of one series, or the whole series, replaced by a hostile value. */
const brokenBody = fc
  .tuple(validBody, seriesName, hostile, fc.nat(), fc.boolean())
  .map(([body, name, value, at, whole]) => {
    const result = body.chart.result[0] as Record<string, unknown> & {
      indicators: { quote: Record<string, unknown>[]; adjclose?: { adjclose: unknown }[] };
    };
    if (name === 'adjclose' && result.indicators.adjclose === undefined)
      result.indicators.adjclose = [{ adjclose: [] }];
    const holder: Record<string, unknown> =
      name === 'timestamp'
        ? result
        : name === 'adjclose'
          ? (result.indicators.adjclose?.[0] as Record<string, unknown>)
          : (result.indicators.quote[0] as Record<string, unknown>);
    const series = Array.isArray(holder[name]) ? [...(holder[name] as unknown[])] : [];
    if (whole) holder[name] = value;
    else {
      series[series.length === 0 ? 0 : at % series.length] = value;
      holder[name] = series;
    }
    return body;
  });

describe('parseChartResponse', () => {
  it('accepts every valid chart body with the data the element-by-element schema gives', () => {
    const seed = Date.now();
    console.log(`parseChartResponse valid-body property seed ${seed}`);
    fc.assert(
      fc.property(validBody, (body) => {
        const json = JSON.parse(JSON.stringify(body));
        expect(seen(parseChartResponse(json))).toEqual(seen(chartResponseSchema.safeParse(json)));
        expect(parseChartResponse(json).success).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('rejects a body with a broken series with the same issues as the element-by-element schema', () => {
    const seed = Date.now();
    console.log(`parseChartResponse broken-body property seed ${seed}`);
    fc.assert(
      fc.property(brokenBody, (body) => {
        const fast = seen(parseChartResponse(body));
        expect(fast).toEqual(seen(chartResponseSchema.safeParse(body)));
      }),
      { seed, numRuns: 500 },
    );
  });

  it('rejects a series one element longer than MAX_SERIES with the element-by-element schema’s issue', () => {
    // Prepare
    const body = {
      chart: {
        result: [
          {
            meta: { symbol: 'AAPL' },
            indicators: { quote: [{ open: new Array(MAX_SERIES + 1).fill(1) }] },
          },
        ],
        error: null,
      },
    };

    // Act
    const fast = seen(parseChartResponse(body));

    // Assess
    expect(fast).toEqual({
      issues: expect.stringContaining('chart.result.0.indicators.quote.0.open: Too big'),
    });
    expect(fast).toEqual(seen(chartResponseSchema.safeParse(body)));
  });

  it('reads every recorded Yahoo chart body as the element-by-element schema does', async () => {
    // Prepare
    const files = (await readdir(join(FIXTURES_DIR, 'yahoo'))).filter((f) => f.endsWith('.body.json'));

    for (const file of files) {
      // Act
      const json = JSON.parse(await readFixture('yahoo', file));

      // Assess
      expect(seen(parseChartResponse(json)), file).toEqual(seen(chartResponseSchema.safeParse(json)));
    }
  });

  it('hands the long arrays on as parsed, without a copy per series', () => {
    // Prepare
    const open = [1, 2, null, 4];
    const json = {
      chart: {
        result: [{ meta: { symbol: 'AAPL' }, timestamp: [0, 1, 2, 3], indicators: { quote: [{ open }] } }],
        error: null,
      },
    };

    // Act
    const parsed = parseChartResponse(json);

    // Assess
    expect(parsed.success && parsed.data.chart.result?.[0]?.indicators.quote[0]?.open).toBe(open);
  });
});
