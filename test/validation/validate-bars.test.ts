import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BarValues, ohlcProblem, validateBars } from '#shared/validation/validate-bars.ts';

const bar = (sessionDate: string, close: number, extra: Partial<BarValues> = {}): BarValues => ({
  sessionDate,
  open: close,
  high: close * 1.01,
  low: close * 0.99,
  close,
  adjClose: close,
  volume: 1000,
  ...extra,
});

describe('validateBars', () => {
  it('rejects insane bars with a reason and keeps the rest', () => {
    const report = validateBars({
      bars: [
        bar('2024-01-02', 100),
        bar('2024-01-03', 100, { low: 102, high: 101 }),
        bar('2024-01-04', 100, { volume: -1 }),
      ],
      expectedSessions: ['2024-01-02', '2024-01-03', '2024-01-04'],
    });
    expect(report.accepted.map((b) => b.sessionDate)).toEqual(['2024-01-02']);
    expect(report.rejected).toEqual([
      { sessionDate: '2024-01-03', reason: 'low 102 is above high 101' },
      { sessionDate: '2024-01-04', reason: 'volume -1 is negative' },
    ]);
  });

  it('reports rejected sessions as gaps too, since nothing was stored for them', () => {
    const report = validateBars({
      bars: [bar('2024-01-02', 100), bar('2024-01-03', Number.NaN)],
      expectedSessions: ['2024-01-02', '2024-01-03', '2024-01-04'],
    });
    expect(report.gaps).toEqual(['2024-01-03', '2024-01-04']);
  });

  it('flags a close-to-close move over 30 %, also across the chunk boundary', () => {
    const report = validateBars({
      bars: [bar('2024-01-03', 140), bar('2024-01-04', 141), bar('2024-01-05', 90)],
      expectedSessions: [],
      previous: { sessionDate: '2024-01-02', close: 100 },
    });
    expect(report.largeMoves.map((m) => [m.sessionDate, Math.round(m.change * 100)])).toEqual([
      ['2024-01-03', 40],
      ['2024-01-05', -36],
    ]);
    expect(report.accepted).toHaveLength(3);
  });

  it('does not flag a large move on a day the provider reports a split', () => {
    const report = validateBars({
      bars: [bar('2020-08-28', 499.23), bar('2020-08-31', 129.04)],
      expectedSessions: [],
      splitDates: new Set(['2020-08-31']),
    });
    expect(report.largeMoves).toEqual([]);
  });

  it('accepts every bar whose prices are positive and within its own range', () => {
    const sane = fc
      .record({
        low: fc.double({ min: 0.0001, max: 1e6, noNaN: true }),
        spread: fc.double({ min: 0, max: 1e6, noNaN: true }),
        o: fc.double({ min: 0, max: 1, noNaN: true }),
        c: fc.double({ min: 0, max: 1, noNaN: true }),
        volume: fc.double({ min: 0, max: 1e12, noNaN: true }),
      })
      .map(({ low, spread, o, c, volume }) => {
        const high = low + spread;
        const clamp = (v: number) => Math.min(high, Math.max(low, v));
        return bar('2024-01-02', clamp(low + spread * c), {
          low,
          high,
          open: clamp(low + spread * o),
          volume,
        });
      });
    fc.assert(fc.property(sane, (b) => ohlcProblem(b) === undefined));
  });

  it('rejects every bar with a non-finite or non-positive price', () => {
    const bad = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0, -1, -1e-9);
    const field = fc.constantFrom('open', 'high', 'low', 'close' as const);
    fc.assert(
      fc.property(
        bad,
        field,
        (value, name) => ohlcProblem(bar('2024-01-02', 100, { [name]: value })) !== undefined,
      ),
    );
  });

  it('never loses a bar: every input is either accepted or rejected', () => {
    const anyBar = fc.record({
      day: fc.integer({ min: 1, max: 28 }),
      close: fc.double({ min: -10, max: 1000 }),
      volume: fc.double({ min: -10, max: 1e6 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(anyBar, { selector: (b) => b.day, maxLength: 20 }), (raw) => {
        const bars = raw.map((r) =>
          bar(`2024-02-${String(r.day).padStart(2, '0')}`, r.close, { volume: r.volume }),
        );
        const report = validateBars({ bars, expectedSessions: [] });
        return report.accepted.length + report.rejected.length === bars.length;
      }),
    );
  });
});
