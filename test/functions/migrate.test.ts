import 'aws-sdk-client-mock-vitest/extend';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { listAssets } from '#shared/db/assets.ts';
import { createSql } from '#shared/db/client.ts';
import { defaultMigrationsDir, loadMigrations, migrationStatus } from '#shared/db/migrations.ts';
import { hashMigrations } from '#shared/db/migrations-hash.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { CFN_CREATE_EVENTS, CURRENT_MIGRATIONS, migrationEvent } from './support/aws-events.ts';
import { resetAws, secrets } from './support/aws-mocks.ts';
import { type ColdStartOptions, coldStart, type LambdaInstance } from './support/lambda-harness.ts';

const PHYSICAL_ID = 'schema-migrations';
const UNIVERSE_SIZE = 20;
/** The hash the template carries for the repository's migrations/ (the bundle of every function here). */
const CURRENT = CURRENT_MIGRATIONS;
const OLDER = 'a'.repeat(64);

let db: TestDatabase | undefined;
let fn: LambdaInstance<'migrate'> | undefined;
let scratch: string | undefined;
beforeEach(() => {
  resetAws();
});
afterEach(async () => {
  await fn?.dispose();
  await db?.drop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  [fn, db, scratch] = [undefined, undefined, undefined];
  vi.unstubAllEnvs();
});

/** A database (empty, or cloned from the migrated template) and a cold migrate function pointing at it. */
async function migrateFunctionOn(migrated: boolean, options: ColdStartOptions = {}) {
  db = await createTestDatabase({ migrated });
  fn = await coldStart('migrate', { db, ...options });
  return { db, fn };
}

describe('migrate function', () => {
  it.each(CFN_CREATE_EVENTS)('migrates an empty database from scratch on the Create of %s', async (file) => {
    // Prepare
    const { db, fn } = await migrateFunctionOn(false);
    const migrations = await loadMigrations();

    // Act
    const result = await fn.handler(migrationEvent('Create', { requested: CURRENT, file }), fn.context);

    // Assess
    expect(result).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { applied: migrations.map((m) => m.name).join(','), assetsChanged: UNIVERSE_SIZE },
    });
    expect((await migrationStatus(db.sql)).every((m) => m.state === 'applied')).toBe(true);
    expect(await listAssets(db.sql, { activeOnly: true })).toHaveLength(UNIVERSE_SIZE);
  });

  it('applies nothing and changes no asset when it runs a second time', async () => {
    // Prepare
    const { fn } = await migrateFunctionOn(false);
    await fn.handler(migrationEvent('Create', { requested: CURRENT }), fn.context);

    // Act
    const again = await fn.handler(
      migrationEvent('Update', { requested: CURRENT, old: CURRENT, physicalId: PHYSICAL_ID }),
      fn.context,
    );

    // Assess
    expect(again).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { applied: 'none', assetsChanged: 0 } });
  });

  it('keeps the physical id CloudFormation sends with an Update, so no replacement is triggered', async () => {
    // Prepare
    const { fn } = await migrateFunctionOn(true);

    // Act
    const result = await fn.handler(
      migrationEvent('Update', { requested: CURRENT, old: OLDER, physicalId: 'schema-migrations-2024' }),
      fn.context,
    );

    // Assess
    expect(result).toEqual({
      PhysicalResourceId: 'schema-migrations-2024',
      Data: { applied: 'none', assetsChanged: UNIVERSE_SIZE },
    });
  });

  it('does nothing on Delete: it never opens the database, so the schema and its data stay', async () => {
    // Prepare
    const { db, fn } = await migrateFunctionOn(false);

    // Act
    const result = await fn.handler(migrationEvent('Delete', { physicalId: PHYSICAL_ID }), fn.context);

    // Assess
    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
    expect((await migrationStatus(db.sql)).every((m) => m.state === 'pending')).toBe(true);
  });

  it('fails the deployment with the name of a migration that does not apply, applying none of it', async () => {
    // Prepare: the real migrations plus one that is not valid SQL, in a folder of their own.
    const bundle = failingBundle();
    const { db, fn } = await migrateFunctionOn(true, { env: { MIGRATIONS_DIR: bundle } });

    // Act
    const invocation = fn.handler(
      migrationEvent('Create', { requested: hashMigrations(bundle) }),
      fn.context,
    );

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'MigrationError',
      message: expect.stringMatching(/^migration 0999_broken_index\.sql failed and was rolled back: /),
    });
    const status = await migrationStatus(db.sql, bundle);
    expect(status.find((m) => m.name === '0999_broken_index.sql')?.state).toBe('pending');
    expect(await listAssets(db.sql)).toEqual([]);
  });
});

/** The repository's migrations plus one that is not valid SQL: the bundle of a deploy that fails. */
function failingBundle(): string {
  scratch = mkdtempSync(join(tmpdir(), 'migrations-'));
  cpSync(defaultMigrationsDir, scratch, { recursive: true });
  writeFileSync(join(scratch, '0999_broken_index.sql'), 'CREATE INDEX prices_broken ON prices_daily (;\n');
  return scratch;
}

describe('migrate function during a rollback', () => {
  it('succeeds without applying anything when CloudFormation rolls a failed migration back', async () => {
    // Prepare: the deployed database is at CURRENT; the new bundle adds a migration that fails.
    const bundle = failingBundle();
    const NEW = hashMigrations(bundle);
    const { db, fn } = await migrateFunctionOn(true, { env: { MIGRATIONS_DIR: bundle } });
    const update = fn.handler(
      migrationEvent('Update', { requested: NEW, old: CURRENT, physicalId: PHYSICAL_ID }),
      fn.context,
    );
    await expect(update).rejects.toMatchObject({ name: 'MigrationError' });
    const secretReads = secrets.commandCalls(GetSecretValueCommand).length;

    // Act: the rollback's Update back to the old properties, then the Delete of nothing new.
    const rollback = await fn.handler(
      migrationEvent('Update', { requested: CURRENT, old: NEW, physicalId: PHYSICAL_ID }),
      fn.context,
    );
    const deletion = await fn.handler(migrationEvent('Delete', { physicalId: PHYSICAL_ID }), fn.context);

    // Assess: the same physical id (no replacement), the broken migration still pending, no sync.
    expect(rollback).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { applied: 'none', assetsChanged: 0, rollback: 'true' },
    });
    expect(deletion).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    const status = await migrationStatus(db.sql, bundle);
    expect(status.find((m) => m.name === '0999_broken_index.sql')?.state).toBe('pending');
    expect(await listAssets(db.sql)).toEqual([]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(secretReads);
  });

  it('never opens the database for a rollback Update', async () => {
    // Prepare: a cold instance of the new code, as after a deploy whose later resource failed.
    const { fn } = await migrateFunctionOn(true);

    // Act
    const result = await fn.handler(
      migrationEvent('Update', { requested: OLDER, old: CURRENT, physicalId: PHYSICAL_ID }),
      fn.context,
    );

    // Assess
    expect(result).toMatchObject({ PhysicalResourceId: PHYSICAL_ID, Data: { rollback: 'true' } });
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('fails a request for migrations it was not bundled with that is no rollback, touching nothing', async () => {
    // Prepare
    const { db, fn } = await migrateFunctionOn(false);

    // Act
    const invocation = fn.handler(
      migrationEvent('Update', { requested: OLDER, old: 'b'.repeat(64), physicalId: PHYSICAL_ID }),
      fn.context,
    );

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'MigrationError',
      message: expect.stringMatching(/^the template asks for migrations aaaaaaaaaaaa but .* one checkout$/),
    });
    expect((await migrationStatus(db.sql)).every((m) => m.state === 'pending')).toBe(true);
  });
});

describe('migrate function and the analyst login', () => {
  const ANALYST_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:market-data/dev/analyst';
  let analyst: string | undefined;
  afterEach(async () => {
    // Roles belong to the cluster, not the test database: drop this test's own (db is dropped after).
    if (analyst && db) await db.sql.unsafe(`DROP ROLE IF EXISTS "${analyst}"`);
    analyst = undefined;
  });

  /** The analyst secret as the stack's DatabaseSecret holds it once attached to the instance. */
  function answerAnalystSecret(username: string, password: string) {
    secrets.on(GetSecretValueCommand, { SecretId: ANALYST_SECRET_ARN }).resolves({
      ARN: ANALYST_SECRET_ARN,
      SecretString: JSON.stringify({
        engine: 'postgres',
        host: 'db',
        port: 5432,
        username,
        password,
        masterarn: 'arn:x',
      }),
    });
  }

  async function withReaderRole(on: TestDatabase): Promise<void> {
    // Until migration 0010 is on main: the group role it creates (cluster-wide, so only if missing).
    await on.sql`DO $$ BEGIN CREATE ROLE market_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`;
  }

  it('creates the read-only analyst login from its secret after migrating', async () => {
    // Prepare
    analyst = `analyst_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    answerAnalystSecret(analyst, password);
    const { db, fn } = await migrateFunctionOn(true, { env: { ANALYST_SECRET_ARN } });
    await withReaderRole(db);

    // Act
    const result = await fn.handler(migrationEvent('Create', { requested: CURRENT }), fn.context);

    // Assess
    expect(result).toMatchObject({ PhysicalResourceId: PHYSICAL_ID, Data: { analystLogin: analyst } });
    const url = new URL(db.url);
    [url.username, url.password] = [analyst, password];
    const asAnalyst = createSql(url.toString(), { max: 1 });
    try {
      await expect(asAnalyst`CREATE TABLE analyst_scratch (x int)`).rejects.toMatchObject({ code: '25006' });
    } finally {
      await asAnalyst.end();
    }
  });

  it('fails the deployment in one line when the analyst secret names no PostgreSQL user', async () => {
    // Prepare
    answerAnalystSecret('Robert"); DROP TABLE assets; --', randomBytes(18).toString('base64url'));
    const { fn } = await migrateFunctionOn(true, { env: { ANALYST_SECRET_ARN } });

    // Act
    const invocation = fn.handler(migrationEvent('Create', { requested: CURRENT }), fn.context);

    // Assess
    await expect(invocation).rejects.toMatchObject({
      name: 'ConfigError',
      message:
        'analyst secret (ANALYST_SECRET_ARN): username: must be a lower-case PostgreSQL name, e.g. market_analyst',
    });
  });
});
