import type { Sql } from '#shared/db/client.ts';

/**
 * Every row of every table in the public schema, as sorted JSON per table: two snapshots are equal
 * exactly when nothing was inserted, updated or deleted in between.
 */
export async function snapshotRows(sql: Sql): Promise<Record<string, string[]>> {
  const tables = await sql<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const snapshot: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await sql.unsafe(`SELECT to_jsonb(t)::text AS row FROM "${name}" t`);
    snapshot[name] = rows.map((r) => String(r.row)).sort();
  }
  return snapshot;
}
