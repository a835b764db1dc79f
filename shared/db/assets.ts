import type { AssetConfig } from '#shared/universe/universe.ts';
import type { Sql } from './client.ts';
import { UnknownAssetError } from './errors.ts';

/** An asset as stored: its configuration plus the database id that bars and tasks reference. */
export interface Asset extends AssetConfig {
  id: number;
}

/**
 * Makes the assets table match the universe: inserts new symbols, updates changed ones, and
 * deactivates symbols that left the universe (their history stays).
 * @returns how many assets were inserted or changed.
 */
export async function syncAssets(sql: Sql, assets: readonly AssetConfig[]): Promise<number> {
  const column = <K extends keyof AssetConfig>(key: K) => assets.map((a) => a[key]);
  return sql.begin(async (tx) => {
    await tx`
      UPDATE assets SET active = false, updated_at = now()
      WHERE active AND symbol <> ALL(${column('symbol') as string[]})`;
    const changed = await tx.unsafe(
      `INSERT INTO assets (symbol, name, category, calendar, provider, provider_symbol, currency, active)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[]::boolean[])
       ON CONFLICT (symbol) DO UPDATE SET
         name = EXCLUDED.name, category = EXCLUDED.category, calendar = EXCLUDED.calendar,
         provider = EXCLUDED.provider, provider_symbol = EXCLUDED.provider_symbol,
         currency = EXCLUDED.currency, active = EXCLUDED.active, updated_at = now()
       WHERE (assets.name, assets.category, assets.calendar, assets.provider, assets.provider_symbol,
              assets.currency, assets.active)
         IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category, EXCLUDED.calendar, EXCLUDED.provider,
                           EXCLUDED.provider_symbol, EXCLUDED.currency, EXCLUDED.active)
       RETURNING id`,
      [
        column('symbol'),
        column('name'),
        column('category'),
        column('calendar'),
        column('provider'),
        column('providerSymbol'),
        column('currency'),
        column('active').map(String),
      ] as never[],
    );
    return changed.length;
  });
}

export interface AssetFilter {
  activeOnly?: boolean;
  calendar?: AssetConfig['calendar'];
  symbols?: readonly string[];
}

/** Assets ordered by symbol, optionally only active ones, one calendar's, or the named symbols. */
export async function listAssets(sql: Sql, filter: AssetFilter = {}): Promise<Asset[]> {
  return sql<Asset[]>`
    SELECT id, symbol, name, category, calendar, provider, provider_symbol, currency, active
    FROM assets
    WHERE (${!filter.activeOnly} OR active)
      AND (${filter.calendar ?? null}::text IS NULL OR calendar = ${filter.calendar ?? null})
      AND (${filter.symbols === undefined} OR symbol = ANY(${(filter.symbols ?? []) as string[]}))
    ORDER BY symbol`;
}

/** @throws UnknownAssetError when no asset has this id. */
export async function getAsset(sql: Sql, id: number): Promise<Asset> {
  const [asset] = await sql<Asset[]>`
    SELECT id, symbol, name, category, calendar, provider, provider_symbol, currency, active FROM assets WHERE id = ${id}`;
  if (!asset) throw new UnknownAssetError(`asset id ${id} does not exist`);
  return asset;
}
