import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSql } from '#shared/db/client.ts';
import { createTestCertificates } from '#test/support/certificates.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/database.ts';

let db: TestDatabase;
let scratch: string;
beforeAll(async () => {
  db = await createTestDatabase();
  scratch = await mkdtemp(join(tmpdir(), 'rds-like-'));
});
afterAll(async () => {
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

/** The URL with other TLS parameters. */
function withTls(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

async function attempt(url: string): Promise<string> {
  const sql = createSql(url, { max: 1 });
  try {
    const [row] = await sql`SELECT 1 AS one`;
    return `connected ${row?.one}`;
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

describe('The test cluster', () => {
  it('serves the tests over verified TLS 1.3, as an application role that is not a superuser', async () => {
    // Act
    const [session] = await db.sql<{ ssl: boolean; version: string; superuser: boolean }[]>`
      SELECT s.ssl, s.version, r.rolsuper AS superuser
      FROM pg_stat_ssl s JOIN pg_roles r ON r.rolname = current_user
      WHERE s.pid = pg_backend_pid()`;

    // Assess
    expect(db.url).toContain('sslmode=verify-full');
    expect(session).toEqual({ ssl: true, version: 'TLSv1.3', superuser: false });
  });

  it('refuses a plaintext connection, as RDS does with rds.force_ssl=1', async () => {
    // Act
    const outcome = await attempt(withTls(db.url, { sslmode: 'disable' }));

    // Assess
    expect(outcome).toMatch(/^28000: .*no encryption/);
  });

  it('is refused by a client that trusts another CA, before any login', async () => {
    // Prepare
    const other = await createTestCertificates({ dir: join(scratch, 'other'), caName: 'another CA' });

    // Act
    const outcome = await attempt(withTls(db.url, { sslrootcert: other.caCertFile }));

    // Assess
    expect(outcome).toMatch(/certificate/i);
  });
});
