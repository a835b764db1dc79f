import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '#shared/domain/dates.ts';
import {
  detectRebase,
  MIN_REBASED_SESSIONS,
  type SessionClose,
  splitFraction,
} from '#shared/validation/detect-rebase.ts';

/** A stored history of 3-40 sessions with positive closes, one a day from 2020-01-01. */
const history = fc
  .array(fc.double({ min: 0.01, max: 1e5, noNaN: true, noDefaultInfinity: true }), {
    minLength: 3,
    maxLength: 40,
  })
  .map((closes): SessionClose[] =>
    closes.map((close, i) => ({ sessionDate: addDays('2020-01-01', i), close })),
  );

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** A split ratio n:m in lowest terms, both terms 1-20, not 1:1. */
const split = fc
  .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }))
  .filter(([n, m]) => n !== m && gcd(n, m) === 1)
  .map(([numerator, denominator]) => ({ numerator, denominator }));

/** The history as a provider re-bases it: the first `run` closes divided by n/m. */
function rebased(stored: SessionClose[], run: number, s: { numerator: number; denominator: number }) {
  return stored.map((b, i) => (i < run ? { ...b, close: (b.close * s.denominator) / s.numerator } : b));
}

describe('detectRebase', () => {
  it('finds the ratio and the sessions of any split-like re-basing of the oldest overlapping sessions', () => {
    fc.assert(
      fc.property(history, split, fc.double({ min: 0, max: 1, noNaN: true }), (stored, s, at) => {
        const run = MIN_REBASED_SESSIONS + Math.floor(at * (stored.length - MIN_REBASED_SESSIONS));
        const found = detectRebase(stored, rebased(stored, run, s));
        expect(found).toEqual({
          ...s,
          from: stored[0]?.sessionDate,
          through: stored[run - 1]?.sessionDate,
          effectiveBy: stored[run]?.sessionDate ?? null,
          sessions: run,
        });
      }),
    );
  });

  it('finds nothing when the bars agree', () => {
    fc.assert(fc.property(history, (stored) => detectRebase(stored, stored) === null));
  });

  it('finds nothing when a known split of that ratio after the re-based sessions explains it', () => {
    fc.assert(
      fc.property(history, split, (stored, s) => {
        const last = stored.at(-1)?.sessionDate as string;
        const known = [{ sessionDate: addDays(last, 3), ...s }];
        return detectRebase(stored, rebased(stored, stored.length, s), known) === null;
      }),
    );
  });

  it('takes a single changed session for a correction, not a re-basing', () => {
    fc.assert(
      fc.property(
        history,
        fc.nat(),
        fc.double({ min: 0.05, max: 20, noNaN: true }).filter((f) => Math.abs(f - 1) > 1e-2),
        (stored, pick, factor) => {
          const at = pick % stored.length;
          const fetched = stored.map((b, i) => (i === at ? { ...b, close: b.close * factor } : b));
          return detectRebase(stored, fetched) === null;
        },
      ),
    );
  });

  it('ignores fetched sessions that are not stored', () => {
    const stored = [{ sessionDate: '2020-01-02', close: 10 }];
    const fetched = [
      { sessionDate: '2020-01-01', close: 5 },
      { sessionDate: '2020-01-02', close: 10 },
    ];
    expect(detectRebase(stored, fetched)).toBeNull();
  });
});

describe('splitFraction', () => {
  it('reads a ratio near a small fraction in lowest terms', () => {
    fc.assert(
      fc.property(split, (s) => {
        expect(splitFraction((s.numerator / s.denominator) * (1 + 5e-6))).toEqual(s);
      }),
    );
  });

  it('reads no split in a ratio far from every small fraction', () => {
    expect(splitFraction(1.0137)).toBeNull();
    expect(splitFraction(1)).toBeNull();
    expect(splitFraction(37)).toBeNull();
  });
});
