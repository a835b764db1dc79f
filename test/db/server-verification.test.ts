import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '#shared/db/database.ts';
import { type FakePostgres, startFakePostgres } from '#test/support/fake-postgres.ts';
import {
  createFakeServerCertificates,
  type FakeServerCertificates,
} from '#test/support/fake-server-certificates.ts';

let certs: FakeServerCertificates;
let fake: FakePostgres | undefined;

beforeAll(async () => {
  certs = await createFakeServerCertificates();
});
afterAll(() => certs.remove());

async function serve(pem?: { cert: string; key: string }, hangUpAfterStartup = false) {
  await fake?.close();
  fake = await startFakePostgres(pem ? { cert: pem.cert, key: pem.key, hangUpAfterStartup } : {});
  return fake;
}

/** What an operator would put in DATABASE_URL for the fake server. */
function databaseUrl(server: FakePostgres, query: string): string {
  return `postgres://market_app:the-password@localhost:${server.port}/market?${query}`;
}

describe('DATABASE_URL with sslmode=verify-full', () => {
  it('refuses a certificate no trusted CA signed before any password is sent, saying what to set', async () => {
    // Prepare
    const server = await serve(certs.untrusted);
    const url = databaseUrl(server, `sslmode=verify-full&sslrootcert=${certs.trusted.caCertFile}`);

    // Act
    const open = openDatabase({ url });

    // Assess
    await expect(open).rejects.toMatchObject({
      name: 'ConfigError',
      message: `database at localhost:${server.port} presented a certificate no trusted CA signed (UNABLE_TO_VERIFY_LEAF_SIGNATURE): set sslrootcert=<the CA file that signed the server's certificate> in DATABASE_URL`,
    });
    expect(server.visits).toEqual([{ servername: 'localhost', startup: false, password: false }]);
  });

  it('refuses a trusted certificate for another host name before any password is sent', async () => {
    // Prepare
    const server = await serve(certs.otherName);
    const url = databaseUrl(server, `sslmode=verify-full&sslrootcert=${certs.otherName.caCertFile}`);

    // Act
    const open = openDatabase({ url });

    // Assess
    await expect(open).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(
        new RegExp(
          `^database at localhost:${server.port} presented a certificate for another name than localhost: `,
        ),
      ),
    });
    expect(server.visits.map((v) => v.password)).toEqual([false]);
  });

  it('accepts a trusted certificate and logs in: the password reaches the server, which named itself in SNI', async () => {
    // Prepare
    const server = await serve(certs.trusted);
    const url = databaseUrl(server, `sslmode=verify-full&sslrootcert=${certs.trusted.caCertFile}`);

    // Act (the fake server refuses every password, as its last word)
    const open = openDatabase({ url });

    // Assess
    await expect(open).rejects.toMatchObject({ code: '28P01' });
    expect(server.visits).toEqual([{ servername: 'localhost', startup: true, password: true }]);
  });
});

describe('A server that closes every login', () => {
  it('gives up in one line naming host:port when the server closes every login mid-way, instead of waiting for ever', async () => {
    // Prepare: a trusted server that hangs up once it has read the StartupMessage; postgres.js would
    // reconnect to it for ever (porsager/postgres issues 1193 and 1179)
    const server = await serve(certs.trusted, true);
    const url = databaseUrl(server, `sslmode=verify-full&sslrootcert=${certs.trusted.caCertFile}`);

    // Act
    const open = openDatabase({ url, loginDeadlineMs: 2_000 });

    // Assess
    await expect(open).rejects.toMatchObject({
      name: 'DatabaseLoginTimeoutError',
      message: expect.stringMatching(
        new RegExp(`^the database at localhost:${server.port} did not complete a login`),
      ),
    });
    expect(server.visits.length).toBeGreaterThan(1); // it kept trying until the deadline
    expect(server.visits.some((v) => v.password)).toBe(false);
  });
});

describe('DATABASE_URL with the other modes', () => {
  it('accepts a certificate for another name under verify-ca, which checks the chain only', async () => {
    // Prepare
    const server = await serve(certs.otherName);
    const url = databaseUrl(server, `sslmode=verify-ca&sslrootcert=${certs.otherName.caCertFile}`);

    // Act
    const open = openDatabase({ url });

    // Assess
    await expect(open).rejects.toMatchObject({ code: '28P01' });
    expect(server.visits.map((v) => v.password)).toEqual([true]);
  });

  it('says the server may not offer TLS when it answers the SSLRequest with N', async () => {
    // Prepare
    const server = await serve();
    const url = databaseUrl(server, `sslmode=verify-full&sslrootcert=${certs.trusted.caCertFile}`);

    // Act
    const open = openDatabase({ url });

    // Assess
    await expect(open).rejects.toMatchObject({
      name: 'ConfigError',
      message: `database at localhost:${server.port} closed the connection during the TLS handshake; it may not offer TLS: use sslmode=disable in DATABASE_URL only for a local server without TLS`,
    });
    expect(server.visits.map((v) => v.password)).toEqual([false]);
  });

  it('says in one line what to add when the RDS-like cluster refuses a plaintext connection', async () => {
    // Prepare: the application role's own URL, with TLS turned off.
    const appUrl = new URL(inject('postgresAppUrl'));
    appUrl.searchParams.delete('sslrootcert');
    appUrl.searchParams.set('sslmode', 'disable');

    // Act
    const open = openDatabase({ url: appUrl.toString() });

    // Assess
    await expect(open).rejects.toMatchObject({
      name: 'ConfigError',
      message: `database at ${appUrl.hostname}:${appUrl.port} refused a plaintext connection: add sslmode=verify-full&sslrootcert=<CA file> to DATABASE_URL`,
    });
  });
});

afterAll(() => fake?.close());
