import { syncAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { migrate } from '#shared/db/migrations.ts';
import { defaultUniverse } from '#shared/universe/default-universe.ts';
import type { Universe } from '#shared/universe/universe.ts';

export interface PreparedDatabase {
  appliedMigrations: string[];
  assetsChanged: number;
}

/**
 * Brings a database up to date before anything runs (the deploy-time migrate function, tests).
 * 1. Take the universe given, or the bundled one (validated before touching the database).
 * 2. Apply pending migrations under the advisory lock.
 * 3. Sync the assets table with the universe.
 */
export async function prepareDatabase(
  sql: Sql,
  options: { migrationsDir?: string; universe?: Universe } = {},
): Promise<PreparedDatabase> {
  const universe = options.universe ?? defaultUniverse();
  const applied = await migrate(sql, options.migrationsDir);
  const assetsChanged = await syncAssets(sql, universe.assets);
  return { appliedMigrations: applied.map((m) => m.name), assetsChanged };
}
