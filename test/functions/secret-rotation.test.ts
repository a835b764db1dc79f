import 'aws-sdk-client-mock-vitest/extend';
import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { createSql } from '#shared/db/client.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { APP_ROLE, withCredentials } from '#test/support/rds-like-cluster.ts';
import { CURRENT_MIGRATIONS, migrationEvent } from './support/aws-events.ts';
import { resetAws, secrets } from './support/aws-mocks.ts';
import { coldStart, type LambdaInstance, rdsSecret } from './support/lambda-harness.ts';

// A login role of this file's own (other files use the application role concurrently), a member of
// the application role so it may use the database that role owns.
const ROLE = `rotation_${randomBytes(4).toString('hex')}`;

let db: TestDatabase;
let fn: LambdaInstance<'migrate'>;

async function asAdmin(statement: string): Promise<void> {
  const admin = createSql(inject('postgresUrl'), { max: 1 });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

/** What the rotation function does to the database: a new password for the role. */
async function rotateDatabasePassword(): Promise<string> {
  const password = randomBytes(18).toString('base64url');
  await asAdmin(`ALTER ROLE ${ROLE} PASSWORD '${password}'`);
  return password;
}

/** What it then does to the secret: AWSCURRENT holds the new password. */
function rotateSecret(password: string): void {
  const url = withCredentials(db.url, db.name, ROLE, password);
  secrets
    .on(GetSecretValueCommand, { SecretId: fn.dbSecretArn })
    .resolves({ ARN: fn.dbSecretArn, SecretString: JSON.stringify(rdsSecret(url)) });
}

/** The warm instance's pooled sessions end (a failover, a restart): its next query needs a new login. */
async function endSessionsOfRole(): Promise<void> {
  await asAdmin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${ROLE}'`);
}

beforeEach(async () => {
  resetAws();
  db = await createTestDatabase();
  const password = randomBytes(18).toString('base64url');
  await asAdmin(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${password}' IN ROLE ${APP_ROLE}`);
  const url = withCredentials(db.url, db.name, ROLE, password);
  fn = await coldStart('migrate', { db: { ...db, url } });
  // Warm: the instance has connected and logged in with the first password.
  await fn.handler(migrationEvent('Create', { requested: CURRENT_MIGRATIONS }), fn.context);
  secrets.resetHistory();
});
afterEach(async () => {
  await fn.dispose();
  await db.drop();
  await endSessionsOfRole();
  await asAdmin(`DROP ROLE IF EXISTS ${ROLE}`);
  vi.unstubAllEnvs();
});

describe('secret rotation under a warm function', () => {
  it('logs in with the rotated password on the next invocation, without a cold start', async () => {
    // Prepare
    rotateSecret(await rotateDatabasePassword());
    await endSessionsOfRole();

    // Act
    const result = await fn.handler(migrationEvent('Create', { requested: CURRENT_MIGRATIONS }), fn.context);

    // Assess
    expect(result).toMatchObject({ PhysicalResourceId: 'schema-migrations' });
    // The warm instance read the secret again for its new connection.
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: fn.dbSecretArn });
  });

  it('recovers after a login refused mid-rotation (28P01): the next connection reads the secret again', async () => {
    // Prepare: the database has the new password, the secret not yet.
    const password = await rotateDatabasePassword();
    await endSessionsOfRole();
    const duringRotation = fn.handler(
      migrationEvent('Create', { requested: CURRENT_MIGRATIONS }),
      fn.context,
    );
    await expect(duringRotation).rejects.toMatchObject({ code: '28P01' });
    rotateSecret(password);

    // Act
    const result = await fn.handler(migrationEvent('Create', { requested: CURRENT_MIGRATIONS }), fn.context);

    // Assess
    expect(result).toMatchObject({ PhysicalResourceId: 'schema-migrations' });
  });

  it('keeps logging in with the last password read while Secrets Manager cannot be read', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: fn.dbSecretArn })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await endSessionsOfRole();

    // Act
    const result = await fn.handler(migrationEvent('Create', { requested: CURRENT_MIGRATIONS }), fn.context);

    // Assess
    expect(result).toMatchObject({ PhysicalResourceId: 'schema-migrations' });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: fn.dbSecretArn });
  });
});
