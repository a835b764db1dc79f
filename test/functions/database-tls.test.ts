import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';
import { type FakePostgres, startFakePostgres } from '#test/support/fake-postgres.ts';
import {
  createFakeServerCertificates,
  type FakeServerCertificates,
} from '#test/support/fake-server-certificates.ts';
import { CURRENT_MIGRATIONS, migrationEvent } from './support/aws-events.ts';
import { resetAws } from './support/aws-mocks.ts';
import { coldStart, type LambdaInstance } from './support/lambda-harness.ts';

let certs: FakeServerCertificates;
let fake: FakePostgres | undefined;
let fn: LambdaInstance<'migrate'> | undefined;

beforeAll(async () => {
  certs = await createFakeServerCertificates();
});
afterAll(() => certs.remove());
beforeEach(() => resetAws());
afterEach(async () => {
  await fn?.dispose();
  await fake?.close();
  [fn, fake] = [undefined, undefined];
  vi.unstubAllEnvs();
});

/**
 * A cold migrate function whose RDS secret points at a fake server presenting `pem`, trusting the CA
 * in `caFile` (DB_CA_FILE), with its TLS mode left at the default unless `mode` says otherwise.
 */
async function migrateAgainst(pem: { cert: string; key: string }, caFile: string, mode?: string) {
  fake = await startFakePostgres({ cert: pem.cert, key: pem.key });
  const db = { url: `postgres://market_app:the-password@localhost:${fake.port}/market` } as TestDatabase;
  fn = await coldStart('migrate', { db, env: { DB_TLS: mode, DB_CA_FILE: caFile } });
  return {
    server: fake,
    run: fn.handler(migrationEvent('Create', { requested: CURRENT_MIGRATIONS }), fn.context),
  };
}

describe('the Lambda path to the database (verify-full by default)', () => {
  it('refuses a certificate no trusted CA signed before any password is sent, naming what to set', async () => {
    // Act
    const { server, run } = await migrateAgainst(certs.untrusted, certs.trusted.caCertFile);

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(
        new RegExp(
          `^database at localhost:${server.port} presented a certificate no trusted CA signed .*DB_CA_FILE`,
        ),
      ),
    });
    expect(server.visits).toEqual([{ servername: 'localhost', startup: false, password: false }]);
  });

  it('refuses a trusted certificate for another host name before any password is sent', async () => {
    // Act
    const { server, run } = await migrateAgainst(certs.otherName, certs.otherName.caCertFile);

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining(
        `database at localhost:${server.port} presented a certificate for another name`,
      ),
    });
    expect(server.visits.map((v) => v.password)).toEqual([false]);
  });

  it('accepts a certificate for another host name with DB_TLS=verify-ca, which checks the chain only', async () => {
    // Act
    const { server, run } = await migrateAgainst(certs.otherName, certs.otherName.caCertFile, 'verify-ca');

    // Assess (the fake server refuses every password)
    await expect(run).rejects.toMatchObject({ code: '28P01' });
    expect(server.visits.map((v) => v.password)).toEqual([true]);
  });

  it('says in one line to set DB_TLS=verify-full when the RDS-like cluster refuses plaintext', async () => {
    // Prepare
    const db = await createTestDatabase();
    fn = await coldStart('migrate', { db, env: { DB_TLS: 'disable' } });
    const { hostname, port } = new URL(db.url);

    // Act
    const run = fn.handler(migrationEvent('Create', { requested: CURRENT_MIGRATIONS }), fn.context);

    // Assess
    await expect(run).rejects.toMatchObject({
      name: 'ConfigError',
      message: `database at ${hostname}:${port} refused a plaintext connection: set DB_TLS=verify-full (DB_TLS=disable is only for a local PostgreSQL without TLS)`,
    });
    await db.drop();
  });

  it('accepts a trusted certificate and logs in, having named the server in SNI', async () => {
    // Act
    const { server, run } = await migrateAgainst(certs.trusted, certs.trusted.caCertFile);

    // Assess
    await expect(run).rejects.toMatchObject({ code: '28P01' });
    expect(server.visits).toEqual([{ servername: 'localhost', startup: true, password: true }]);
  });
});
