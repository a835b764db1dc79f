import { type AnalystLogin, ensureAnalystLogin } from '#shared/db/analyst-login.ts';
import type { Sql } from '#shared/db/client.ts';
import type { Log } from '#shared/domain/ports.ts';

/**
 * The step after migrating on AWS: the analyst's login, from its own secret.
 * 1. Read the secret (its current username: multi-user rotation alternates two).
 * 2. Create or update the login (read-only member of market_reader; shared/db/analyst-login.ts).
 * A failure throws and fails the deployment like a failed migration: a stack whose analysts cannot
 * log in, or log in with more than SELECT, should not report success.
 */
export function provisionAnalystLogin(
  readLogin: () => Promise<AnalystLogin>,
  log: Log,
): (sql: Sql) => Promise<Record<string, string>> {
  return async (sql) => {
    const login = await readLogin();
    await ensureAnalystLogin(sql, login);
    log.info('analyst login ensured', { username: login.username });
    return { analystLogin: login.username };
  };
}
