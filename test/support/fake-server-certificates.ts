import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCertificates, type TestCertificates } from './certificates.ts';

/** Three certificates a fake server can present, each with the CA that signed it. */
export interface FakeServerCertificates {
  /** For localhost and 127.0.0.1: trusted when the client trusts `trusted.caCertFile`. */
  trusted: TestCertificates;
  /** For localhost too, but signed by a CA the clients in the tests do not trust. */
  untrusted: TestCertificates;
  /** Signed by a CA the client trusts, for another host name (db.example.com). */
  otherName: TestCertificates;
  remove(): Promise<void>;
}

/** Makes the certificates for the server-verification tests, each under a CA of its own. */
export async function createFakeServerCertificates(): Promise<FakeServerCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-pg-certs-'));
  const [trusted, untrusted, otherName] = await Promise.all([
    createTestCertificates({ dir: join(dir, 'trusted'), caName: 'trusted test CA' }),
    createTestCertificates({ dir: join(dir, 'untrusted'), caName: 'attacker CA' }),
    createTestCertificates({ dir: join(dir, 'other'), hosts: ['db.example.com'], caName: 'other-name CA' }),
  ]);
  return { trusted, untrusted, otherName, remove: () => rm(dir, { recursive: true, force: true }) };
}
