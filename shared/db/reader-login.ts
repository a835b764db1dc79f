import type { Sql } from './client.ts';

/** The read-only group role of migration 0010: SELECT on the data and job tables, nothing else. */
export const READER_ROLE = 'market_reader';

export interface ReaderLogin {
  user: string;
  password: string;
}

/**
 * Makes `login` a login user of the read-only group (creating it, or setting its password), whose
 * sessions are read-only by default as well. Idempotent; run by a role with CREATEROLE (the embedded
 * superuser, or the RDS master user in the migrate function) after the migrations.
 *
 * CREATE/ALTER ROLE take no bind parameters, so the statement is built by the server with format()'s
 * %I/%L quoting from bound values: the password never passes through string concatenation here.
 * @throws the driver's error when the caller may not create roles or migration 0010 has not run.
 */
export async function ensureReaderLogin(sql: Sql, login: ReaderLogin): Promise<void> {
  const [built] = await sql<{ role: string; grant: string; readOnly: string }[]>`
    SELECT format(
             CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${login.user}::text)
                  THEN 'ALTER ROLE %I LOGIN PASSWORD %L' ELSE 'CREATE ROLE %I LOGIN PASSWORD %L' END,
             ${login.user}::text, ${login.password}::text) AS role,
           format('GRANT %I TO %I', ${READER_ROLE}::text, ${login.user}::text) AS grant,
           format('ALTER ROLE %I SET default_transaction_read_only = on', ${login.user}::text) AS read_only`;
  if (!built) throw new Error('ensureReaderLogin: the server built no statements');
  await sql.unsafe(built.role);
  await sql.unsafe(built.grant);
  await sql.unsafe(built.readOnly);
}

/** `adminUrl` with the reader's user name and password instead (same host, database and TLS). */
export function readerUrl(adminUrl: string, login: ReaderLogin): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(login.user);
  url.password = encodeURIComponent(login.password);
  return url.toString();
}
