import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundAsTradedPrice } from '#shared/domain/price-basis.ts';

/** roundAsTradedPrice as it was written before it stopped formatting: the reference semantics. */
function formattedRound(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return value;
  const integerDigits = Math.floor(Math.log10(value)) + 1;
  const decimals = Math.max(2, 6 - integerDigits);
  return Math.fround(Number(value.toFixed(Math.min(decimals, 100))));
}

/** The double next to `value` upwards (+1) or downwards (-1): where a rounding tie is decided. */
function nextDouble(value: number, direction: 1 | -1): number {
  const bits = new BigInt64Array(new Float64Array([value]).buffer);
  bits[0] = (bits[0] as bigint) + BigInt(direction);
  return new Float64Array(bits.buffer)[0] as number;
}

/** A traded decimal: `digits` significant digits at some scale, as a served price or a split of one. */
const traded = fc
  .tuple(fc.integer({ min: 1, max: 9_999_999 }), fc.integer({ min: -8, max: 3 }))
  .map(([digits, exponent]) => digits * 10 ** exponent);
const ratio = fc.constantFrom(1, 2, 3 / 2, 4, 10, 20, 1 / 10, 40, 2 / 3);

describe('roundAsTradedPrice', () => {
  it('gives what the toFixed round trip gave for any double', () => {
    const seed = Date.now();
    console.log(`roundAsTradedPrice any-double property seed ${seed}`);
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (value) => {
        expect(Object.is(roundAsTradedPrice(value), formattedRound(value))).toBe(true);
      }),
      { seed, numRuns: 5_000 },
    );
  });

  it('gives what the toFixed round trip gave for served float32 prices through any split', () => {
    const seed = Date.now();
    console.log(`roundAsTradedPrice served-price property seed ${seed}`);
    fc.assert(
      fc.property(traded, ratio, fc.constantFrom(-1, 0, 1), (price, r, step) => {
        const served = Math.fround(price / r);
        const value = step === 0 ? served * r : nextDouble(served * r, step as 1 | -1);
        expect(roundAsTradedPrice(value)).toBe(formattedRound(value));
      }),
      { seed, numRuns: 5_000 },
    );
  });

  it('gives what the toFixed round trip gave at and beside every kind of rounding tie', () => {
    const seed = Date.now();
    console.log(`roundAsTradedPrice tie property seed ${seed}`);
    // Ties: a digit 5 just past the kept decimals, e.g. 529.485 or 0.0012345 5.
    const tie = fc
      .tuple(fc.integer({ min: 100_000, max: 999_999 }), fc.integer({ min: -9, max: 4 }))
      .map(([digits, exponent]) => (digits * 10 + 5) * 10 ** (exponent - 1));
    fc.assert(
      fc.property(tie, fc.constantFrom(-1, 0, 1), (value, step) => {
        const probed = step === 0 ? value : nextDouble(value, step as 1 | -1);
        expect(roundAsTradedPrice(probed)).toBe(formattedRound(probed));
      }),
      { seed, numRuns: 5_000 },
    );
  });
});
