/** The wire format a bar is served in; prices are rounded the way that provider rounds them. */
export type MarketProvider = 'yahoo' | 'upbit';

export type Currency = 'USD' | 'KRW';

/** `value` to `decimals` places, e.g. Upbit's 8-decimal volumes. */
export function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/**
 * Prices rounded to the currency's tick (won are whole), Yahoo's then stored as float32 like its
 * 129.0399932861328. Every step is monotone and stays above zero, so a bar's OHLC order survives.
 */
export const roundPrice: Record<MarketProvider, Record<Currency, (price: number) => number>> = {
  yahoo: {
    USD: (p) => Math.fround(Math.max(roundTo(p, p >= 1 ? 2 : 6), 1e-6)),
    KRW: (p) => Math.fround(Math.max(roundTo(p, 0), 1)),
  },
  upbit: {
    USD: (p) => Math.max(roundTo(p, p >= 1 ? 2 : 6), 1e-6),
    KRW: (p) => Math.max(roundTo(p, p >= 1_000 ? 0 : p >= 1 ? 2 : 4), 1e-4),
  },
};

/** Yahoo reports whole shares; Upbit the base-asset volume to 8 decimals. */
export const roundVolume: Record<MarketProvider, (volume: number) => number> = {
  yahoo: (v) => Math.round(v),
  upbit: (v) => roundTo(v, 8),
};
