import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { CLI_PROCESS_TEST_TIMEOUT_MS } from '#test/support/cli-process.ts';
import { type FakePostgres, startFakePostgres } from '#test/support/fake-postgres.ts';
import {
  createFakeServerCertificates,
  type FakeServerCertificates,
} from '#test/support/fake-server-certificates.ts';

vi.setConfig({ testTimeout: CLI_PROCESS_TEST_TIMEOUT_MS });

const run = promisify(execFile);

/** `status` as a person runs it with this DATABASE_URL. */
async function status(databaseUrl: string): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run('node', ['--import', 'tsx', 'bin/cli.ts', 'status'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'ERROR' },
    });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

let certs: FakeServerCertificates;
let fake: FakePostgres;
beforeAll(async () => {
  certs = await createFakeServerCertificates();
  fake = await startFakePostgres({ cert: certs.untrusted.cert, key: certs.untrusted.key });
});
afterAll(async () => {
  await fake.close();
  await certs.remove();
});

describe('the CLI when TLS does not match the database', () => {
  it('says in one line what to add to DATABASE_URL when the server refuses plaintext, and exits 2', async () => {
    // Prepare
    const url = new URL(inject('postgresAppUrl'));
    url.searchParams.delete('sslrootcert');
    url.searchParams.set('sslmode', 'disable');

    // Act
    const { code, stderr } = await status(url.toString());

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      `status: database at ${url.hostname}:${url.port} refused a plaintext connection: add sslmode=verify-full&sslrootcert=<CA file> to DATABASE_URL\n`,
    );
  });

  it('refuses an untrusted certificate in one line naming sslrootcert, sending no password, and exits 2', async () => {
    // Act
    const { code, stderr } = await status(
      `postgres://market_app:pw@localhost:${fake.port}/market?sslmode=verify-full&sslrootcert=${certs.trusted.caCertFile}`,
    );

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `^status: database at localhost:${fake.port} presented a certificate no trusted CA signed .*sslrootcert=.*\\n$`,
      ),
    );
    expect(fake.visits.every((v) => !v.password)).toBe(true);
  });
});
