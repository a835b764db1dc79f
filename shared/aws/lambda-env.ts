import { ConfigError } from '#shared/domain/config-error.ts';
import * as z from '#shared/domain/zod.ts';

const arn = () => z.string().check(z.startsWith('arn:'));
const nonEmpty = () => z.string().check(z.minLength(1));

/** Every environment variable a function may be given (infra sets each function's own subset). */
const lambdaEnvSchema = z.object({
  STAGE: z.enum(['dev', 'prod']),
  DB_SECRET_ARN: arn(),
  /**
   * TLS to the database, as libpq's sslmode: `verify-full` (chain and host name; the default),
   * `verify-ca` (chain only), `require` (encrypts, trusts any certificate), `disable` (plaintext, for a
   * local PostgreSQL only). RDS's CAs come from NODE_EXTRA_CA_CERTS (infra sets it).
   */
  DB_TLS: z._default(z.enum(['verify-full', 'verify-ca', 'require', 'disable']), 'verify-full'),
  /** A PEM file of the CAs to trust instead of Node's store, for a database RDS's CAs did not sign. */
  DB_CA_FILE: z.optional(nonEmpty()),
  INGEST_QUEUE_URL: z.url(),
  EVENT_BUS_NAME: nonEmpty(),
  DISCORD_WEBHOOK_SECRET_ARN: arn(),
  MIGRATIONS_DIR: z._default(nonEmpty(), '/var/task/migrations'),
  /** The analyst login's secret; the migrate function creates or updates that login after migrating. */
  ANALYST_SECRET_ARN: z.optional(arn()),
  YAHOO_BASE_URL: z.optional(z.url()),
  UPBIT_BASE_URL: z.optional(z.url()),
  /** The User-Agent sent to Yahoo (the CLI's YAHOO_USER_AGENT too); unset: the provider's default. */
  YAHOO_USER_AGENT: z.optional(
    z.string().check(z.regex(/^[\x20-\x7E]{1,300}$/, 'expected 1-300 printable ASCII characters')),
  ),
  MAX_BACKFILL_DAYS: z.optional(z.coerce.number().check(z.int(), z.positive())),
  AUTO_REPAIR: z._default(z.enum(['true', 'false']), 'false'),
});
export type LambdaEnv = z.infer<typeof lambdaEnvSchema>;

/**
 * Reads the named variables once, at cold start, and fails loudly (naming the variable) when one is
 * missing or malformed, rather than with an undefined deep inside a use case.
 */
export function lambdaEnv<K extends keyof LambdaEnv>(
  keys: readonly K[],
  env = process.env,
): Pick<LambdaEnv, K> {
  const mask = Object.fromEntries(keys.map((k) => [k, true]));
  const parsed = z.pick(lambdaEnvSchema, mask as never).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`environment variable ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data as unknown as Pick<LambdaEnv, K>;
}

/**
 * What every function that finishes and announces jobs reads (the database, the event bus, the
 * Discord secret); those that send tasks add the queue (SENDING_ENV).
 */
const PIPELINE_ENV = [
  'DB_SECRET_ARN',
  'DB_TLS',
  'DB_CA_FILE',
  'EVENT_BUS_NAME',
  'DISCORD_WEBHOOK_SECRET_ARN',
  'AUTO_REPAIR',
] as const;
const SENDING_ENV = [...PIPELINE_ENV, 'INGEST_QUEUE_URL'] as const;

/** The variables each function validates at cold start (infra's tests check the stacks supply them). */
export const FUNCTION_ENV = {
  collect: SENDING_ENV,
  freshness: SENDING_ENV,
  // Neither sends a task (the dlq ends them, the reaper fails them): no queue URL, no permission.
  dlq: PIPELINE_ENV,
  reaper: PIPELINE_ENV,
  backfill: [...SENDING_ENV, 'MAX_BACKFILL_DAYS'],
  ingest: [...SENDING_ENV, 'YAHOO_BASE_URL', 'UPBIT_BASE_URL', 'YAHOO_USER_AGENT'],
  migrate: ['DB_SECRET_ARN', 'DB_TLS', 'DB_CA_FILE', 'MIGRATIONS_DIR', 'ANALYST_SECRET_ARN'],
  notifier: ['DISCORD_WEBHOOK_SECRET_ARN'],
} as const satisfies Record<string, readonly (keyof LambdaEnv)[]>;
