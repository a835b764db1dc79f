import { join } from 'node:path';
import { createSql, type Sql, type SqlOptions } from './client.ts';
import { startLocalPostgres } from './local-postgres.ts';

export interface Database {
  sql: Sql;
  /** Where it is, with any password hidden, for status output. */
  location: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions extends SqlOptions {
  /** Any PostgreSQL; when absent the embedded cluster in `dataDir` is started (or reused). */
  url?: string;
  /** Data folder of the embedded cluster (git-ignored). */
  dataDir?: string;
}

export const defaultDataDir = join(process.cwd(), '.data', 'postgres');

/** Opens the configured PostgreSQL, or starts the embedded one; `close` stops what this call started. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const sql = createSql(options.url, options);
    return { sql, location: redact(options.url), close: () => sql.end({ timeout: 5 }) };
  }
  const dataDir = options.dataDir ?? defaultDataDir;
  const local = await startLocalPostgres({ dataDir });
  const sql = createSql(local.url, options);
  return {
    sql,
    location: `embedded PostgreSQL in ${local.dataDir} (${redact(local.url)})`,
    close: async () => {
      await sql.end({ timeout: 5 });
      await local.stop();
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
