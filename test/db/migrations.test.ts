import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MigrationError } from '#shared/db/errors.ts';
import { defaultMigrationsDir, migrate, migrationStatus } from '#shared/db/migrations.ts';
import { checkSchemaDrift } from '#shared/db/schema-drift.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterEach(async () => {
  await db.drop();
});

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

describe('migrate', () => {
  it('applies every migration from scratch, and a second run is a no-op', async () => {
    const first = await migrate(db.sql);
    expect(first.map((m) => m.name)).toContain('0001_initial_schema.sql');
    const second = await migrate(db.sql);
    expect(second).toEqual([]);
    const status = await migrationStatus(db.sql);
    expect(status.every((s) => s.state === 'applied')).toBe(true);
  });

  it('applies each migration once when several processes migrate at the same time', async () => {
    const runs = await Promise.all([migrate(db.sql), migrate(db.sql), migrate(db.sql)]);
    expect(runs.flat().length).toBe((await migrationStatus(db.sql)).length);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const dir = await copyOfMigrations();
    await migrate(db.sql, dir);
    const file = join(dir, '0001_initial_schema.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited\n`);
    await expect(migrate(db.sql, dir)).rejects.toThrow(
      /0001_initial_schema.sql was edited after it was applied/,
    );
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = await copyOfMigrations();
    await writeFile(
      join(dir, '0999_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    const error = await migrate(db.sql, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/0999_broken.sql failed and was rolled back/);
    const [row] = await db.sql`SELECT to_regclass('half_done') IS NOT NULL AS exists`;
    expect(row?.exists).toBe(false);
    const status = await migrationStatus(db.sql, dir);
    expect(status.find((s) => s.version === 999)?.state).toBe('pending');
  });

  it('rejects a badly named migration file', async () => {
    const dir = await copyOfMigrations();
    await writeFile(join(dir, 'add-things.sql'), 'SELECT 1;');
    await expect(migrate(db.sql, dir)).rejects.toThrow(/must be named NNNN_snake_case_name.sql/);
  });
});

describe('schema drift check', () => {
  it('finds no drift on a freshly migrated database', async () => {
    await migrate(db.sql);
    expect(await checkSchemaDrift(db.sql)).toEqual([]);
  });

  it('reports a column dropped by hand', async () => {
    await migrate(db.sql);
    await db.sql`ALTER TABLE prices_daily DROP COLUMN adj_close`;
    const drift = await checkSchemaDrift(db.sql);
    expect(drift).toContainEqual(
      expect.objectContaining({ object: 'column prices_daily.adj_close', problem: 'missing' }),
    );
  });

  it('reports an index and a table added by hand, and a changed column type', async () => {
    await migrate(db.sql);
    await db.sql`CREATE INDEX extra_idx ON assets (name)`;
    await db.sql`CREATE TABLE scratch (id int)`;
    await db.sql`ALTER TABLE assets ALTER COLUMN name TYPE varchar(20)`;
    const objects = (await checkSchemaDrift(db.sql)).map((d) => `${d.problem} ${d.object}`);
    expect(objects).toEqual(
      expect.arrayContaining([
        'unexpected index extra_idx',
        'unexpected table scratch',
        'different column assets.name',
      ]),
    );
  });

  it('leaves nothing behind in the database', async () => {
    await migrate(db.sql);
    await checkSchemaDrift(db.sql);
    const schemas = await db.sql`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'drift_check_%'`;
    expect(schemas).toHaveLength(0);
  });
});
