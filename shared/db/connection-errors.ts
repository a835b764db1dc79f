import { ConfigError } from '#shared/domain/config-error.ts';
import { withDeadline } from '#shared/domain/deadline.ts';
import type { Sql } from './client.ts';

/** What to set for each kind of TLS mismatch, in the terms of the setting that configures it. */
export interface ConnectionAdvice {
  plaintext: string;
  untrusted: string;
  name: string;
  noTls: string;
}

/**
 * Where a first connection went, and the advice for how its TLS is configured: DATABASE_URL_ADVICE
 * (the CLI, libpq's sslmode/sslrootcert) or DB_TLS_ADVICE (the Lambda functions' DB_TLS/DB_CA_FILE).
 * Two constants rather than one table, so a Lambda bundle carries only its own.
 */
export interface ConnectionTarget {
  host: string;
  port: number;
  advice: ConnectionAdvice;
}

/** Node's codes for a certificate that does not chain to a CA the client trusts. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

export const DATABASE_URL_ADVICE: ConnectionAdvice = {
  plaintext: 'add sslmode=verify-full&sslrootcert=<CA file> to DATABASE_URL',
  untrusted: "set sslrootcert=<the CA file that signed the server's certificate> in DATABASE_URL",
  name: 'connect by a name the certificate lists, or use sslmode=verify-ca to check the chain only',
  noTls: 'use sslmode=disable in DATABASE_URL only for a local server without TLS',
};

export const DB_TLS_ADVICE: ConnectionAdvice = {
  plaintext: 'set DB_TLS=verify-full (DB_TLS=disable is only for a local PostgreSQL without TLS)',
  untrusted:
    'RDS chains to the CAs in NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem; for another server set DB_CA_FILE to its CA',
  name: "the secret's host must be the endpoint name the certificate lists (or set DB_TLS=verify-ca)",
  noTls: 'set DB_TLS=disable only for a local PostgreSQL without TLS',
};

/**
 * A one-line ConfigError saying what to set, when `error` is a TLS mismatch (the server refused
 * plaintext, does not offer TLS, or presented a certificate that is untrusted, expired or for another
 * name); undefined for any other error, which the caller rethrows as it is.
 */
export function explainConnectionError(error: unknown, target: ConnectionTarget): ConfigError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const at = `database at ${target.host}:${target.port}`;
  const { advice } = target;
  const explained = (line: string) => new ConfigError(line, { cause: error });
  if (code === '28000' && /no encryption/.test(error.message)) {
    return explained(`${at} refused a plaintext connection: ${advice.plaintext}`);
  }
  if (typeof code !== 'string') return undefined;
  if (UNTRUSTED.has(code)) {
    return explained(`${at} presented a certificate no trusted CA signed (${code}): ${advice.untrusted}`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return explained(`${at} presented a certificate for another name than ${target.host}: ${advice.name}`);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return explained(
      `${at} presented a certificate outside its validity dates (${code}): renew it on the server`,
    );
  }
  // What a client that asked for TLS sees from a server with ssl=off: it answers 'N' to the SSLRequest
  // (postgres.js goes on with its TLS hello anyway) and drops the connection.
  if (code === 'ECONNRESET' && /before secure TLS connection/.test(error.message)) {
    return explained(
      `${at} closed the connection during the TLS handshake; it may not offer TLS: ${advice.noTls}`,
    );
  }
  return undefined;
}

/**
 * Makes the client's first connection now, so a misconfiguration fails at start-up in one line.
 * @throws ConfigError from explainConnectionError for a TLS mismatch; any other error as it is.
 */
export async function checkConnection(
  sql: Sql,
  target: ConnectionTarget,
  deadlineMs = CONNECT_DEADLINE_MS,
): Promise<void> {
  const timedOut = () =>
    new DatabaseLoginTimeoutError(
      `the database at ${target.host}:${target.port} did not complete a login within ${deadlineMs / 1000} s: it closes connections during start-up (a server shutting down, a proxy, or not a PostgreSQL); check the host, port and server log`,
    );
  try {
    await withDeadline(Promise.resolve(sql`select 1`), deadlineMs, timedOut);
  } catch (error) {
    throw explainConnectionError(error, target) ?? error;
  }
}

/**
 * How long the first login may take. postgres.js retries a connection that a server closes during
 * start-up for ever (porsager/postgres issues 1193 and 1179), so without a deadline the first query of
 * a CLI or a cold start would wait for ever: a connect timeout is 10 s, this allows one and a retry.
 */
const CONNECT_DEADLINE_MS = 25_000;

/** The first login did not complete in time (see checkConnection). */
export class DatabaseLoginTimeoutError extends Error {
  override name = 'DatabaseLoginTimeoutError';
}

/** Host and port of a connection URL, as postgres.js reads them (defaults localhost:5432). */
export function targetOf(url: string, advice: ConnectionAdvice): ConnectionTarget {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  return { host, port: Number(parsed.port) || 5432, advice };
}
