import { readFileSync } from 'node:fs';
import { createSql, type Sql } from '#shared/db/client.ts';
import { checkConnection, DB_TLS_ADVICE } from '#shared/db/connection-errors.ts';
import type { TlsSettings } from '#shared/db/tls.ts';
import { ConfigError } from '#shared/domain/config-error.ts';
import { readDbCredentials } from './db-credentials.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { LAMBDA_POOL_SIZE } from './lambda-pool.ts';
import { readSecretJson } from './lambda-secrets.ts';
import { log } from './observability.ts';

let sql: Promise<Sql> | undefined;

type DatabaseEnv = Pick<LambdaEnv, 'DB_SECRET_ARN'> & Partial<Pick<LambdaEnv, 'DB_TLS' | 'DB_CA_FILE'>>;

/**
 * The database client of this instance, from the RDS-generated secret, connected once before it is
 * returned. TLS verifies the chain and the host name by default (DB_TLS); every new connection of
 * the small pool reads the secret again, so a rotation never wedges a warm instance (db-credentials.ts).
 * @throws ConfigError in one line naming DB_TLS/DB_CA_FILE when TLS does not match the server.
 */
export function database(env: DatabaseEnv): Promise<Sql> {
  sql ??= (async () => {
    const credentials = await readDbCredentials(
      () => readSecretJson(env.DB_SECRET_ARN, 'DB_SECRET_ARN'),
      (error) =>
        log.warn('database secret could not be read again; connecting with the last password read', {
          error: error instanceof Error ? error.message : String(error),
        }),
    );
    const s = credentials.first;
    const url = `postgres://${encodeURIComponent(s.username)}@${s.host}:${s.port}/${s.dbname}`;
    const client = createSql(url, {
      max: LAMBDA_POOL_SIZE,
      tls: lambdaTls(env),
      password: () => credentials.password(),
      applicationName: 'market-data-lambda',
      idleInTransactionTimeoutMs: 60_000,
    });
    await checkConnection(client, { host: s.host, port: s.port, advice: DB_TLS_ADVICE }).catch(
      async (error: unknown) => {
        await client.end({ timeout: 0 });
        throw error;
      },
    );
    return client;
  })().catch((error: unknown) => {
    sql = undefined; // the next invocation tries again
    throw error;
  });
  return sql;
}

/** DB_TLS as libpq's sslmode; with DB_CA_FILE the CAs in that file replace Node's store. */
function lambdaTls(env: DatabaseEnv): TlsSettings {
  const mode = env.DB_TLS ?? 'verify-full';
  if (!env.DB_CA_FILE) return { mode };
  try {
    return { mode, ca: readFileSync(env.DB_CA_FILE, 'utf8') };
  } catch (cause) {
    throw new ConfigError(
      `environment variable DB_CA_FILE: ${env.DB_CA_FILE.slice(0, 200)} cannot be read (${(cause as NodeJS.ErrnoException).code}); give a PEM file of the database's CA`,
      { cause },
    );
  }
}
