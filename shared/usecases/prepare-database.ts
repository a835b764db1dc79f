import { syncAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { migrate } from '#shared/db/migrations.ts';
import { loadUniverse } from '#shared/universe/universe.ts';

export interface PreparedDatabase {
  appliedMigrations: string[];
  assetsChanged: number;
}

/**
 * Brings a database up to date before anything runs.
 * 1. Load and validate the universe file (fails before touching the database).
 * 2. Apply pending migrations under the advisory lock.
 * 3. Sync the assets table with the universe.
 */
export async function prepareDatabase(
  sql: Sql,
  options: { migrationsDir?: string; universePath?: string } = {},
): Promise<PreparedDatabase> {
  const universe = await loadUniverse(options.universePath);
  const applied = await migrate(sql, options.migrationsDir);
  const assetsChanged = await syncAssets(sql, universe.assets);
  return { appliedMigrations: applied.map((m) => m.name), assetsChanged };
}
