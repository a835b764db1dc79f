import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client.ts';
import { MigrationError } from './errors.ts';

/** The repository's migrations folder (bundles ship a copy beside the code and pass its path instead). */
export const defaultMigrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Any constant works as long as nothing else in the database takes the same advisory lock. */
const MIGRATION_LOCK_KEY = 727_001;
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  state: 'applied' | 'pending';
  appliedAt?: Date;
}

/**
 * Reads `NNNN_name.sql` files in version order.
 * @throws MigrationError on a badly named file or two files with one version.
 */
export async function loadMigrations(dir: string = defaultMigrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`migration file ${file} must be named NNNN_snake_case_name.sql`);
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new MigrationError(`two migration files share version ${match[1]}; renumber ${file}`);
    }
    const sql = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    migrations.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies pending migrations in order, each in its own transaction, under an advisory lock so that
 * concurrent deploys or CLI runs apply each migration once.
 * @returns the migrations applied by this call (empty when the database was current).
 * @throws MigrationError when an applied migration was edited or is missing on disk, or one fails to apply.
 */
export async function migrate(sql: Sql, dir: string = defaultMigrationsDir): Promise<Migration[]> {
  const migrations = await loadMigrations(dir);
  const conn = await sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await conn`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
    const applied = await appliedMigrations(conn);
    verifyHistory(migrations, applied);
    const pending = migrations.filter((m) => !applied.has(m.version));
    for (const migration of pending) await applyOne(conn, migration);
    return pending;
  } finally {
    await conn`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    conn.release();
  }
}

/** Every migration on disk with whether the database has applied it. */
export async function migrationStatus(
  sql: Sql,
  dir: string = defaultMigrationsDir,
): Promise<MigrationStatus[]> {
  const migrations = await loadMigrations(dir);
  const [{ exists }] = await sql<
    [{ exists: boolean }]
  >`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`;
  const applied = exists ? await appliedMigrations(sql) : new Map<number, AppliedRow>();
  return migrations.map((m) => {
    const row = applied.get(m.version);
    return row
      ? { version: m.version, name: m.name, state: 'applied', appliedAt: row.appliedAt }
      : { version: m.version, name: m.name, state: 'pending' };
  });
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

async function appliedMigrations(sql: Sql): Promise<Map<number, AppliedRow>> {
  const rows = await sql<AppliedRow[]>`
    SELECT version, name, checksum, applied_at AS "appliedAt" FROM schema_migrations ORDER BY version`;
  return new Map(rows.map((r) => [r.version, r]));
}

function verifyHistory(migrations: Migration[], applied: Map<number, AppliedRow>): void {
  const onDisk = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied.values()) {
    const file = onDisk.get(row.version);
    if (!file) {
      throw new MigrationError(
        `the database has migration ${row.name} which is not in migrations/: run code at least as new as the database`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${file.name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)} in the database, ` +
          `${file.checksum.slice(0, 12)} on disk): restore it and put the change in a new migration`,
      );
    }
  }
}

async function applyOne(conn: Sql, migration: Migration): Promise<void> {
  await conn`BEGIN`;
  try {
    await conn.unsafe(migration.sql);
    await conn`
      INSERT INTO schema_migrations (version, name, checksum)
      VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
    await conn`COMMIT`;
  } catch (cause) {
    await conn`ROLLBACK`.catch(() => {});
    throw new MigrationError(
      `migration ${migration.name} failed and was rolled back: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
