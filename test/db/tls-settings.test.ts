import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresSsl, tlsFromUrl } from '#shared/db/tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'tls-settings-'));
const caFile = join(dir, 'ca.crt');
const CA = '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n';
writeFileSync(caFile, CA);
const BASE = 'postgres://app:secret@db.example.com:5432/market';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tlsFromUrl reads sslmode and sslrootcert as libpq does', () => {
  it.each(['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const)(
    'takes sslmode=%s as that mode, and removes it from the URL postgres.js sees',
    (mode) => {
      // Act
      const { url, tls } = tlsFromUrl(`${BASE}?sslmode=${mode}&application_name=x`);

      // Assess
      expect(tls).toEqual({ mode, ca: undefined });
      expect(url).toBe(`${BASE}?application_name=x`);
    },
  );

  it('leaves TLS to the caller when the URL names neither parameter', () => {
    expect(tlsFromUrl(BASE)).toEqual({ url: BASE, tls: undefined });
  });

  it('checks the chain when sslmode=require comes with an sslrootcert, as libpq does (verify-ca)', () => {
    expect(tlsFromUrl(`${BASE}?sslmode=require&sslrootcert=${caFile}`).tls).toEqual({
      mode: 'verify-ca',
      ca: CA,
    });
  });

  it('trusts the file named by sslrootcert under verify-full', () => {
    expect(tlsFromUrl(`${BASE}?sslmode=verify-full&sslrootcert=${caFile}`).tls).toEqual({
      mode: 'verify-full',
      ca: CA,
    });
  });

  it('takes sslrootcert=system as the system CAs with verify-full', () => {
    expect(tlsFromUrl(`${BASE}?sslrootcert=system`).tls).toEqual({ mode: 'verify-full' });
  });

  it('refuses an unknown sslmode in a one-line ConfigError that lists the known ones', () => {
    // Act
    const read = () => tlsFromUrl(`${BASE}?sslmode=verify`);

    // Assess
    expect(read).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message:
          'DATABASE_URL: sslmode=verify is not one of disable, prefer, require, verify-ca, verify-full',
      }),
    );
  });

  it('refuses an sslrootcert that cannot be read in a one-line ConfigError naming the file', () => {
    // Act
    const read = () => tlsFromUrl(`${BASE}?sslmode=verify-full&sslrootcert=${join(dir, 'missing.crt')}`);

    // Assess
    expect(read).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringMatching(
          /^DATABASE_URL: sslrootcert=\S+missing\.crt cannot be read \(ENOENT\); [^\n]+$/,
        ),
      }),
    );
  });
});

describe('postgresSsl builds what postgres.js verifies', () => {
  it('checks the chain and, through the default check, the host name for verify-full', () => {
    expect(postgresSsl({ mode: 'verify-full', ca: CA }, 'db.example.com')).toEqual({
      host: 'db.example.com',
      servername: 'db.example.com',
      rejectUnauthorized: true,
      ca: CA,
    });
  });

  it('skips only the host name check for verify-ca', () => {
    // Act
    const ssl = postgresSsl({ mode: 'verify-ca', ca: CA }, 'db.example.com') as Record<string, unknown>;

    // Assess
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: CA, servername: 'db.example.com' });
    expect((ssl.checkServerIdentity as () => unknown)()).toBeUndefined();
  });

  it('sends no SNI for an IP address, which SNI cannot carry', () => {
    expect(postgresSsl({ mode: 'verify-full' }, '127.0.0.1')).not.toHaveProperty('servername');
  });
});
