import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '#shared/config.ts';
import { type AnalystLogin, ensureAnalystLogin, readerUrl } from '#shared/db/analyst-login.ts';
import type { Database } from '#shared/db/database.ts';

/** The embedded cluster's read-only login (a member of market_reader, see migration 0010). */
export const LOCAL_READER_USER = 'market_analyst';

/**
 * The embedded cluster's read-only login, its password made once at random and kept beside the data
 * (DATA_DIR/reader-password, readable by its owner only) so that a URL handed to psql or DuckDB keeps
 * working across runs without a password in the repository.
 */
export async function localAnalystLogin(config: Pick<Config, 'DATA_DIR'>): Promise<AnalystLogin> {
  const file = join(config.DATA_DIR, 'reader-password');
  const kept = await readFile(file, 'utf8').catch(() => '');
  if (/^[A-Za-z0-9_-]{20,}$/.test(kept.trim())) return { username: LOCAL_READER_USER, password: kept.trim() };
  const password = randomBytes(18).toString('base64url');
  await mkdir(config.DATA_DIR, { recursive: true });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { username: LOCAL_READER_USER, password };
}

/**
 * Makes the embedded cluster's read-only login current (idempotent) and returns its connection URL:
 * what `db url --read-only`, the console and exports connect with. `db` must be the embedded,
 * migrated database opened by the CLI (its superuser may create roles).
 */
export async function prepareLocalReader(config: Pick<Config, 'DATA_DIR'>, db: Database): Promise<string> {
  const login = await localAnalystLogin(config);
  await ensureAnalystLogin(db.sql, login);
  return readerUrl(db.url, login);
}
