import type { BarValues, IsoDate } from './daily-bar.ts';

/** A split effective at the open of `exDate`: `numerator` new shares for `denominator` old ones. */
export interface Split {
  exDate: IsoDate;
  numerator: number;
  denominator: number;
}

/** A cash dividend per share whose ex-date is `exDate`. */
export interface Dividend {
  exDate: IsoDate;
  amount: number;
}

/**
 * Significant digits kept of an as-traded price (never fewer than 2 decimals). Yahoo serves float32
 * values (529.47998046875 for a 529.48 trade, 13.237000465393066 for the same trade after a 40:1
 * re-basing): float32 noise is below 6e-8 relative, a 6th significant digit is 5e-7 or more, so rounding
 * recovers the traded decimal from either basis. The result is then held as the float32 Yahoo itself
 * serves for that decimal, so a bar that never saw a split stores exactly the value it was served with.
 * The round trip is exact for prices below 10,000; above that float32 (7.2 digits) cannot carry a cent
 * through a split's division, so an un-applied split may leave such a price one cent off (<= 1e-6).
 */
export const PRICE_SIGNIFICANT_DIGITS = 6;
/** Never coarser than cents: a 105,123.45 BTC-USD close keeps its cents (float32 still resolves them). */
const MIN_DECIMALS = 2;

/**
 * `value` rounded to PRICE_SIGNIFICANT_DIGITS significant digits (at least MIN_DECIMALS decimals), as
 * the float32 nearest to that decimal: the same number whichever split basis `value` came on.
 */
export function roundAsTradedPrice(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return value;
  const integerDigits = Math.floor(Math.log10(value)) + 1;
  const decimals = Math.max(MIN_DECIMALS, PRICE_SIGNIFICANT_DIGITS - integerDigits);
  return Math.fround(toDecimals(value, Math.min(decimals, 100)));
}

/** 10 ** n for n in 0..22, each exact as a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, n) => 10 ** n);
/** Scaled values below this are off by less than 1.2e-7 after the multiplication (2^-53 relative). */
const EXACT_SCALED = 1e9;
/** How far from a tie the scaled value must be for that error not to change its nearest integer. */
const TIE_MARGIN = 1e-6;

/**
 * Number(value.toFixed(decimals)) without formatting: toFixed rounds the exact value to the nearest
 * integer count of 10^-decimals, and n / 10^decimals (both exact doubles) is correctly rounded, as the
 * parse of the decimal is. Only near a tie, where the multiplication's error could flip the rounding,
 * is toFixed asked.
 */
function toDecimals(value: number, decimals: number): number {
  const scale = POWERS_OF_TEN[decimals];
  if (scale !== undefined) {
    const scaled = value * scale;
    const nearest = Math.round(scaled);
    if (scaled < EXACT_SCALED && Math.abs(Math.abs(scaled - nearest) - 0.5) > TIE_MARGIN)
      return nearest / scale;
  }
  return Number(value.toFixed(decimals));
}

/**
 * The cumulative ratio of the splits after `sessionDate` that had happened by `asOf` (the fetch date):
 * what the provider divided that session's prices by. 1 when there is none.
 */
export function laterSplitRatio(splits: readonly Split[], sessionDate: IsoDate, asOf: IsoDate): number {
  let ratio = 1;
  for (const split of splits) {
    if (split.exDate > sessionDate && split.exDate <= asOf) ratio *= split.numerator / split.denominator;
  }
  return ratio;
}

/**
 * Bars as a provider served them on `asOf` (split-adjusted as of that day) turned into bars as traded:
 * prices times, volume divided by, the ratio of every later split, prices rounded to the stored
 * precision (see roundAsTradedPrice) and volume to whole shares where a split was un-applied. The
 * provider's adjusted close is dropped: it is a fetch-time figure, derived on read instead.
 * `splits` must be the asset's complete split history; a bar with no later split keeps its volume.
 */
export function toAsTraded(bars: readonly BarValues[], splits: readonly Split[], asOf: IsoDate): BarValues[] {
  const asTraded: BarValues[] = [];
  for (const bar of bars) {
    const ratio = laterSplitRatio(splits, bar.sessionDate, asOf);
    // A literal, not a spread of `bar`: thousands a task, and a spread copies far slower.
    asTraded.push({
      sessionDate: bar.sessionDate,
      open: roundAsTradedPrice(bar.open * ratio),
      high: roundAsTradedPrice(bar.high * ratio),
      low: roundAsTradedPrice(bar.low * ratio),
      close: roundAsTradedPrice(bar.close * ratio),
      adjClose: null,
      volume: ratio === 1 ? bar.volume : Math.round(bar.volume / ratio),
    });
  }
  return asTraded;
}

/** A dividend as a provider served it on `asOf` (split-adjusted), as paid per share on its ex-date. */
export function dividendAsTraded(dividend: Dividend, splits: readonly Split[], asOf: IsoDate): Dividend {
  const amount = dividend.amount * laterSplitRatio(splits, dividend.exDate, asOf);
  return { exDate: dividend.exDate, amount: Number(amount.toPrecision(10)) };
}
