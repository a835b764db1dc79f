import { type Asset, listAssets, syncAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';

/** One synthetic listing per market, named so the local market server puts it on the right calendar. */
const MARKETS: readonly ((n: string) => Omit<AssetConfig, 'name' | 'active'>)[] = [
  (n) => ({
    symbol: `S${n}`,
    category: 'stock',
    calendar: 'XNYS',
    provider: 'yahoo',
    providerSymbol: `S${n}`,
    currency: 'USD',
  }),
  (n) => ({
    symbol: `${n}.KS`,
    category: 'stock',
    calendar: 'XKRX',
    provider: 'yahoo',
    providerSymbol: `${n}.KS`,
    currency: 'KRW',
  }),
  (n) => ({
    symbol: `KRW-C${n}`,
    category: 'crypto',
    calendar: '24/7',
    provider: 'upbit',
    providerSymbol: `KRW-C${n}`,
    currency: 'KRW',
  }),
];

/**
 * `count` synthetic assets dealt in turn to New York (Yahoo), Seoul (Yahoo `.KS`) and Upbit (`KRW-*`),
 * stored in one sync: a universe sync deactivates whatever it does not name, so the three markets
 * cannot be seeded one after another with `seedAssets`.
 */
export async function seedSoakUniverse(sql: Sql, count: number): Promise<Asset[]> {
  const configs: AssetConfig[] = Array.from({ length: count }, (_, i) => {
    const listing = MARKETS[i % MARKETS.length] as (typeof MARKETS)[number];
    return { ...listing(String(i).padStart(6, '0')), name: `Soak asset ${i}`, active: true };
  });
  await syncAssets(sql, configs);
  return listAssets(sql, { activeOnly: true });
}
