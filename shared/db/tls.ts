import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from '#shared/domain/config-error.ts';

/**
 * libpq's sslmode values this client honours. `prefer` (libpq's default) tries TLS and falls back to
 * plaintext; `require` encrypts without checking the certificate; `verify-ca` checks the chain only;
 * `verify-full` checks the chain and that the certificate names the host.
 */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** How to secure a connection: the mode and, for the verifying modes, the CAs to trust (PEM). */
export interface TlsSettings {
  mode: SslMode;
  /** Trusted CAs; when absent the verifying modes use Node's CA store (and NODE_EXTRA_CA_CERTS). */
  ca?: string;
}

/**
 * Reads `sslmode` and `sslrootcert` from a connection URL the way libpq does, and returns the URL
 * without them (postgres.js would otherwise send unknown query parameters to the server as settings).
 * As in libpq, `require` with an `sslrootcert` behaves as `verify-ca`, and `sslrootcert=system` means
 * the system CAs with `verify-full`. libpq's default root file (~/.postgresql/root.crt) is not read.
 * @throws ConfigError naming the parameter when sslmode is unknown or the root file cannot be read.
 */
export function tlsFromUrl(url: string): { url: string; tls: TlsSettings | undefined } {
  const parsed = new URL(url);
  const mode = parsed.searchParams.get('sslmode');
  const rootCert = parsed.searchParams.get('sslrootcert');
  parsed.searchParams.delete('sslmode');
  parsed.searchParams.delete('sslrootcert');
  const rest = parsed.toString();
  if (mode === null && rootCert === null) return { url: rest, tls: undefined };
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`DATABASE_URL: sslmode=${mode.slice(0, 20)} is not one of ${SSL_MODES.join(', ')}`);
  }
  if (rootCert === 'system') return { url: rest, tls: { mode: 'verify-full' } };
  const ca = rootCert === null ? undefined : readRootCert(rootCert);
  const asked = (mode ?? (ca ? 'verify-ca' : 'prefer')) as SslMode;
  return { url: rest, tls: { mode: asked === 'require' && ca ? 'verify-ca' : asked, ca } };
}

function readRootCert(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `DATABASE_URL: sslrootcert=${file.slice(0, 200)} cannot be read (${(cause as NodeJS.ErrnoException).code}); give the path of the server's CA certificate (PEM)`,
      { cause },
    );
  }
}

/**
 * The postgres.js `ssl` option for these settings and host. The server name goes into SNI (not for an
 * IP address) and, for verify-full, into the host name check; verify-ca skips that check only.
 */
export function postgresSsl(
  tls: TlsSettings | undefined,
  host: string,
): false | 'prefer' | ConnectionOptions {
  if (!tls || tls.mode === 'disable') return false;
  if (tls.mode === 'prefer') return 'prefer';
  const name = { host, ...(isIP(host) ? {} : { servername: host }) };
  if (tls.mode === 'require') return { ...name, rejectUnauthorized: false };
  return {
    ...name,
    rejectUnauthorized: true,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
}
