import { join } from 'node:path';
import { createSql, type Sql, type SqlOptions } from './client.ts';
import { checkConnection, DATABASE_URL_ADVICE, targetOf } from './connection-errors.ts';
import { leaseLocalPostgres } from './server-lease.ts';

export interface Database {
  sql: Sql;
  /** The connection URL itself, password included: for deriving other logins' URLs, never to print. */
  url: string;
  /** Where it is, with any password hidden, for status output. */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions extends SqlOptions {
  /** Any PostgreSQL; when absent the embedded cluster in `dataDir` is started (or reused). */
  url?: string;
  /** Data folder of the embedded cluster (git-ignored). */
  dataDir?: string;
  /** Port for the embedded server when this call starts it (a free one when absent). */
  port?: number;
  /** How long the first login to `url` may take (see checkConnection); tests shorten it. */
  loginDeadlineMs?: number;
}

export const defaultDataDir = join(process.cwd(), '.data', 'postgres');

/**
 * Opens the configured PostgreSQL (connecting once, so a TLS mismatch fails here), or starts (or joins)
 * the embedded one; `close` stops the embedded server when no other process still uses it.
 * @throws ConfigError in one line naming what to set in DATABASE_URL when TLS does not match the server.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const sql = createSql(options.url, options);
    await checkConnection(sql, targetOf(options.url, DATABASE_URL_ADVICE), options.loginDeadlineMs).catch(
      async (error: unknown) => {
        await sql.end({ timeout: 0 });
        throw error;
      },
    );
    return { sql, url: options.url, location: redact(options.url), close: () => sql.end({ timeout: 5 }) };
  }
  const dataDir = options.dataDir ?? defaultDataDir;
  // Leased, not just started: another CLI process may be using the same server (see server-lease.ts).
  const lease = await leaseLocalPostgres({ dataDir, port: options.port });
  const local = lease.server;
  const sql = createSql(local.url, options);
  return {
    sql,
    url: local.url,
    location: `embedded PostgreSQL in ${local.dataDir} (${redact(local.url)})`,
    close: async () => {
      await sql.end({ timeout: 5 }).finally(() => lease.release());
    },
  };
}

/**
 * `url` with its password hidden, for status output and logs. Parsed as a URL (the user information
 * ends at the last `@`, so a password holding `@` is hidden whole), `password=` parameters included;
 * a URL that does not parse is not shown at all. Never throws.
 */
export function redact(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(a database URL that does not parse; not shown)';
  }
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
