import type { Sql } from './client.ts';
import { inTransaction } from './client.ts';
import { scramSha256Verifier } from './scram-verifier.ts';

/** The NOLOGIN group role of migration 0010: SELECT on the data tables and the adjusted-price functions. */
export const ANALYST_GROUP_ROLE = 'market_reader';

export interface AnalystLogin {
  username: string;
  password: string;
}

/**
 * Creates the analyst login, or brings an existing one in line: LOGIN with the secret's password,
 * member of market_reader, every transaction read-only by default. Multi-user rotation alternates
 * between `<name>` and `<name>_clone` (it creates the clone as a member of the first), so the other
 * one, if it exists, is made a read-only member of market_reader too, its password left alone.
 * The statements are built by the server with format(%I, %L) from settings of this transaction; the
 * password travels only as a SCRAM verifier, so no log line can show it.
 * @throws the PostgreSQL error when market_reader does not exist (42704) or the caller may not
 * create roles (42501).
 */
export async function ensureAnalystLogin(sql: Sql, login: AnalystLogin): Promise<void> {
  await inTransaction(sql, async (tx) => {
    await tx`
      SELECT set_config('market_data.login_name', ${login.username}, true),
             set_config('market_data.login_verifier', ${scramSha256Verifier(login.password)}, true),
             set_config('market_data.login_group', ${ANALYST_GROUP_ROLE}, true)`;
    await tx`
      DO $$
      DECLARE
        login text := current_setting('market_data.login_name');
        verifier text := current_setting('market_data.login_verifier');
        grp text := current_setting('market_data.login_group');
        other text := CASE WHEN login LIKE '%\\_clone' THEN left(login, -6) ELSE login || '_clone' END;
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
          EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', login, verifier);
          EXECUTE format('GRANT %I TO %I', grp, login);
        ELSE
          EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login, verifier, grp);
        END IF;
        EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', login);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = other) THEN
          EXECUTE format('GRANT %I TO %I', grp, other);
          EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', other);
        END IF;
      END
      $$`;
  });
}

/** `adminUrl` with the login's user name and password instead (same host, database and TLS settings). */
export function readerUrl(adminUrl: string, login: AnalystLogin): string {
  const url = new URL(adminUrl);
  url.username = encodeURIComponent(login.username);
  url.password = encodeURIComponent(login.password);
  return url.toString();
}
