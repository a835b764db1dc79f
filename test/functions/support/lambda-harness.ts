import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { inject, vi } from 'vitest';
import { defaultMigrationsDir } from '#shared/db/migrations.ts';
import type { MarketServer } from '#shared/market-server/index.ts';
import type { TestDatabase } from '#test/support/database.ts';
import { BUS_NAME, QUEUE_URL, secrets } from './aws-mocks.ts';

/** What the Discord secret holds until an operator pastes a webhook URL into it. */
const DISCORD_PLACEHOLDER = 'set me: a Discord webhook URL';
const SECRET_ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:market-data/dev';

const functions = {
  backfill: () => import('#functions/backfill.ts'),
  collect: () => import('#functions/collect.ts'),
  dlq: () => import('#functions/dlq.ts'),
  freshness: () => import('#functions/freshness.ts'),
  ingest: () => import('#functions/ingest.ts'),
  migrate: () => import('#functions/migrate.ts'),
  notifier: () => import('#functions/notifier.ts'),
  reaper: () => import('#functions/reaper.ts'),
};
export type FunctionName = keyof typeof functions;
let coldStarts = 0;
type HandlerOf<N extends FunctionName> = Awaited<ReturnType<(typeof functions)[N]>>['handler'];

export interface ColdStartOptions {
  /** Where the DB secret points (RDS-style JSON); without it the secret is not answered. */
  db?: TestDatabase;
  /** What the Discord secret holds: a webhook URL, or by default the placeholder ("not configured"). */
  discord?: string;
  market?: MarketServer;
  /** Overrides of the function's environment; undefined removes a variable. */
  env?: Record<string, string | undefined>;
}

export interface LambdaInstance<N extends FunctionName> {
  handler: HandlerOf<N>;
  /** The logger and metrics this instance loaded (spy on them to see what it logs and counts). */
  observability: typeof import('#shared/aws/observability.ts');
  readonly context: Context;
  /** The ARN of this instance's database secret (a rotation test answers it anew). */
  readonly dbSecretArn: string;
  /** Ends this instance's database pool (a client that never connected has nothing to close). */
  dispose(): Promise<void>;
}

/**
 * A cold start of `functions/<name>.ts`: the environment and secrets are set first, then a fresh copy
 * of the handler and everything it caches at module scope (env, clients, secrets, pool, rate budgets)
 * is imported. Rejects as the real cold start would, e.g. with a ConfigError.
 */
export async function coldStart<N extends FunctionName>(
  name: N,
  options: ColdStartOptions = {},
): Promise<LambdaInstance<N>> {
  // Secrets of their own, so instances that live side by side never read each other's.
  coldStarts += 1;
  const dbSecretArn = `${SECRET_ARN_PREFIX}/db-${coldStarts}`;
  const discordSecretArn = `${SECRET_ARN_PREFIX}/discord-${coldStarts}`;
  const env: Record<string, string | undefined> = {
    AWS_REGION: 'us-east-1',
    STAGE: 'dev',
    DB_SECRET_ARN: dbSecretArn,
    // As on AWS, the chain and the host name are verified: against the test cluster's CA here.
    DB_TLS: 'verify-full',
    DB_CA_FILE: inject('postgresCaFile'),
    INGEST_QUEUE_URL: QUEUE_URL,
    EVENT_BUS_NAME: BUS_NAME,
    DISCORD_WEBHOOK_SECRET_ARN: discordSecretArn,
    AUTO_REPAIR: 'false',
    MIGRATIONS_DIR: defaultMigrationsDir,
    // Nothing may reach the real providers: without a market server they point at a closed port.
    YAHOO_BASE_URL: options.market?.yahooBaseUrl ?? 'http://127.0.0.1:9/yahoo',
    UPBIT_BASE_URL: options.market?.upbitBaseUrl ?? 'http://127.0.0.1:9/upbit',
    POWERTOOLS_SERVICE_NAME: `market-data-${name}`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  if (options.db) {
    secrets
      .on(GetSecretValueCommand, { SecretId: dbSecretArn })
      .resolves({ ARN: dbSecretArn, SecretString: JSON.stringify(rdsSecret(options.db.url)) });
  }
  secrets
    .on(GetSecretValueCommand, { SecretId: discordSecretArn })
    .resolves({ ARN: discordSecretArn, SecretString: options.discord ?? DISCORD_PLACEHOLDER });

  vi.resetModules();
  const { handler } = await functions[name]();
  const lambdaDatabase = await import('#shared/aws/lambda-database.ts'); // the instance the handler just loaded
  const observability = await import('#shared/aws/observability.ts');
  return {
    handler: handler as HandlerOf<N>,
    dbSecretArn,
    observability,
    get context() {
      return lambdaContext(name); // a request id of its own per invocation
    },
    async dispose() {
      if (!options.db) return;
      // The pool this instance built (or a rejection when it never connected).
      const sql = await lambdaDatabase.database({ DB_SECRET_ARN: dbSecretArn }).catch(() => undefined);
      await sql?.end({ timeout: 1 });
    },
  };
}

/** The secret RDS generates for a database, pointing at `url`. */
export function rdsSecret(url: string) {
  const u = new URL(url);
  return {
    engine: 'postgres',
    host: u.hostname,
    port: Number(u.port),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    dbname: u.pathname.slice(1),
    dbInstanceIdentifier: 'market-data-dev',
  };
}

export function lambdaContext(name: string): Context {
  const functionName = `market-data-dev-${name}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
