import { type Asset, listAssets, syncAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import type { AssetConfig, Universe } from '#shared/universe/universe.ts';

/** What syncing the universe changes (or would change) in the assets table. */
export interface UniverseDiff {
  added: string[];
  /** Stored under a former symbol: renamed, keeping its id and history. */
  renamed: { from: string; to: string }[];
  /** Stored assets whose settings differ, with the names of the fields that change. */
  changed: { symbol: string; fields: string[] }[];
  /** Active stored assets that left the universe: deactivated, their history kept. */
  deactivated: string[];
}

const COMPARED = ['name', 'category', 'calendar', 'provider', 'providerSymbol', 'currency'] as const;

/**
 * The changes syncAssets makes for `universe` over `stored` (pure; mirrors its rules: a rename only
 * when the new symbol is not stored yet, a delisted asset is stored inactive).
 */
export function diffUniverse(stored: readonly Asset[], universe: readonly AssetConfig[]): UniverseDiff {
  const bySymbol = new Map(stored.map((a) => [a.symbol, a]));
  const diff: UniverseDiff = { added: [], renamed: [], changed: [], deactivated: [] };
  for (const wanted of universe) {
    let current = bySymbol.get(wanted.symbol);
    const from = current ? undefined : wanted.formerSymbols?.find((s) => bySymbol.has(s));
    if (from !== undefined) {
      diff.renamed.push({ from, to: wanted.symbol });
      current = bySymbol.get(from);
      bySymbol.delete(from);
    }
    bySymbol.delete(wanted.symbol);
    if (!current) {
      diff.added.push(wanted.symbol);
      continue;
    }
    const fields: string[] = COMPARED.filter((f) => current[f] !== wanted[f]);
    if (current.active !== (wanted.active && wanted.delistedOn === undefined)) fields.push('active');
    if ((current.delistedOn ?? null) !== (wanted.delistedOn ?? null)) fields.push('delistedOn');
    if (fields.length > 0) diff.changed.push({ symbol: wanted.symbol, fields });
  }
  diff.deactivated = [...bySymbol.values()].filter((a) => a.active).map((a) => a.symbol);
  return diff;
}

/**
 * Syncs the assets table with `universe` (or, with dryRun, only says what would change).
 * 1. Read the stored assets and diff them against the universe.
 * 2. Unless a dry run, apply the universe (one transaction, see syncAssets).
 */
export async function syncUniverse(
  sql: Sql,
  universe: Universe,
  options: { dryRun?: boolean } = {},
): Promise<UniverseDiff & { dryRun: boolean }> {
  const diff = diffUniverse(await listAssets(sql), universe.assets);
  if (!options.dryRun) await syncAssets(sql, universe.assets);
  return { ...diff, dryRun: options.dryRun ?? false };
}
