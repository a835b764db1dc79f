import type { Asset } from '#shared/db/assets.ts';
import { listAssets, syncAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';

/** `count` synthetic NYSE assets T0000, T0001, ... stored in the database. */
export async function seedAssets(
  sql: Sql,
  count: number,
  overrides: Partial<AssetConfig> = {},
): Promise<Asset[]> {
  const configs: AssetConfig[] = Array.from({ length: count }, (_, i) => ({
    symbol: `T${String(i).padStart(4, '0')}`,
    name: `Test asset ${i}`,
    category: 'stock',
    calendar: 'XNYS',
    provider: 'yahoo',
    providerSymbol: `T${String(i).padStart(4, '0')}`,
    currency: 'USD',
    active: true,
    ...overrides,
  }));
  await syncAssets(sql, configs);
  return listAssets(sql, { symbols: configs.map((c) => c.symbol) });
}

/** Consecutive calendar days from `start` (weekday-agnostic: storage does not care about calendars). */
export function days(start: string, count: number): string[] {
  const first = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
}

/** Plausible, deterministic bars for each asset and date; `shift` changes every price. */
export function makeBars(assets: readonly { id: number }[], dates: readonly string[], shift = 0): DailyBar[] {
  const bars: DailyBar[] = [];
  for (const asset of assets) {
    dates.forEach((sessionDate, i) => {
      const base = 100 + ((asset.id * 7 + i) % 50) + shift;
      bars.push({
        assetId: asset.id,
        sessionDate,
        source: 'yahoo',
        open: base,
        high: base + 2.5,
        low: base - 1.25,
        close: base + 1.0625,
        adjClose: base + 1,
        volume: 1_000_000 + i,
      });
    });
  }
  return bars;
}

/** An order-independent fingerprint of every stored bar, ingested_at included. */
export async function pricesChecksum(sql: Sql): Promise<{ rows: number; checksum: string }> {
  const [row] = await sql<{ rows: number; checksum: string }[]>`
    SELECT count(*)::int AS rows,
           coalesce(md5(string_agg(p::text, '|' ORDER BY asset_id, session_date, source)), '') AS checksum
    FROM prices_daily p`;
  return row ?? { rows: 0, checksum: '' };
}
