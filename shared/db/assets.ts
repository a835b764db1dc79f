import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { AssetConfig } from '#shared/universe/universe.ts';
import type { Sql } from './client.ts';
import { UnknownAssetError } from './errors.ts';

/** An asset as stored: its configuration plus the database id that bars and tasks reference. */
export interface Asset extends Omit<AssetConfig, 'delistedOn' | 'formerSymbols'> {
  id: number;
  /** The first session the provider has (learned by ingest), or null until a fetch told us. */
  listedOn: IsoDate | null;
  /** From the universe: the last session it traded. */
  delistedOn: IsoDate | null;
  /** Since when the provider calls this long-known symbol unknown; null when it does not. */
  delistingSuspectedAt: Date | null;
}

/** Every column an Asset is read from. */
export const ASSET_COLUMNS = `id, symbol, name, category, calendar, provider, provider_symbol, currency, active,
  listed_on, delisted_on, delisting_suspected_at`;

/**
 * Makes the assets table match the universe: renames assets listed under a former symbol (keeping their
 * id, so their history), inserts new symbols, updates changed ones, and deactivates symbols that left
 * the universe (their history stays). A delisted asset is stored inactive with its delisting date.
 * @returns how many assets were inserted or changed.
 */
export async function syncAssets(sql: Sql, assets: readonly AssetConfig[]): Promise<number> {
  const column = <K extends keyof AssetConfig>(key: K) => assets.map((a) => a[key]);
  const renames = assets.flatMap((a) => (a.formerSymbols ?? []).map((from) => ({ from, to: a.symbol })));
  return sql.begin(async (tx) => {
    if (renames.length > 0) {
      // Only when the new symbol is not stored yet: renaming onto an existing asset would merge two histories.
      await tx`
        UPDATE assets a SET symbol = r.to_symbol, updated_at = now()
        FROM unnest(${renames.map((r) => r.from)}::text[], ${renames.map((r) => r.to)}::text[]) AS r(from_symbol, to_symbol)
        WHERE a.symbol = r.from_symbol AND NOT EXISTS (SELECT 1 FROM assets b WHERE b.symbol = r.to_symbol)`;
    }
    await tx`
      UPDATE assets SET active = false, updated_at = now()
      WHERE active AND symbol <> ALL(${column('symbol') as string[]})`;
    const changed = await tx.unsafe(
      `INSERT INTO assets (symbol, name, category, calendar, provider, provider_symbol, currency, active,
                           delisted_on)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[]::boolean[], $9::date[])
       ON CONFLICT (symbol) DO UPDATE SET
         name = EXCLUDED.name, category = EXCLUDED.category, calendar = EXCLUDED.calendar,
         provider = EXCLUDED.provider, provider_symbol = EXCLUDED.provider_symbol,
         currency = EXCLUDED.currency, active = EXCLUDED.active, delisted_on = EXCLUDED.delisted_on,
         updated_at = now()
       WHERE (assets.name, assets.category, assets.calendar, assets.provider, assets.provider_symbol,
              assets.currency, assets.active, assets.delisted_on)
         IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category, EXCLUDED.calendar, EXCLUDED.provider,
                           EXCLUDED.provider_symbol, EXCLUDED.currency, EXCLUDED.active, EXCLUDED.delisted_on)
       RETURNING id`,
      [
        column('symbol'),
        column('name'),
        column('category'),
        column('calendar'),
        column('provider'),
        column('providerSymbol'),
        column('currency'),
        assets.map((a) => String(a.active && a.delistedOn === undefined)),
        assets.map((a) => a.delistedOn ?? null),
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
    SELECT ${sql.unsafe(ASSET_COLUMNS)}
    FROM assets
    WHERE (${!filter.activeOnly} OR active)
      AND (${filter.calendar ?? null}::text IS NULL OR calendar = ${filter.calendar ?? null})
      AND (${filter.symbols === undefined} OR symbol = ANY(${(filter.symbols ?? []) as string[]}))
    ORDER BY symbol`;
}

/** @throws UnknownAssetError when no asset has this id. */
export async function getAsset(sql: Sql, id: number): Promise<Asset> {
  const [asset] = await sql<Asset[]>`
    SELECT ${sql.unsafe(ASSET_COLUMNS)} FROM assets WHERE id = ${id}`;
  if (!asset) throw new UnknownAssetError(`asset id ${id} does not exist`);
  return asset;
}
