import type { AssetConfig } from '#shared/universe/universe.ts';
import { assetConfig } from '#test/usecases/support/harness.ts';

/**
 * A small universe touching every calendar and both providers: five New York stocks, one Seoul stock,
 * bitcoin from Yahoo (24/7) and from Upbit (KRW, paged candles).
 */
export const DRILL_ASSETS: readonly AssetConfig[] = [
  ...['AAPL', 'MSFT', 'NVDA', 'XOM', 'JPM'].map((symbol) => assetConfig(symbol)),
  assetConfig('005930.KS', { calendar: 'XKRX', currency: 'KRW' }),
  assetConfig('BTC-USD', { category: 'crypto', calendar: '24/7' }),
  assetConfig('KRW-BTC', { category: 'crypto', calendar: '24/7', provider: 'upbit', currency: 'KRW' }),
];

/** A listed asset the provider no longer knows (the market server answers it 404, as for a delisting). */
export const VANISHED = assetConfig('GONE');
