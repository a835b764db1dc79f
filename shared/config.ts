import * as z from 'zod';
import { ConfigError } from './domain/config-error.ts';

/**
 * Process configuration of the CLI, parsed once from the environment (and .env, see env-file.ts) at
 * start-up. .env.example lists every variable with its default; a test keeps the two in step.
 */
export const configSchema = z.object({
  /** Any PostgreSQL; when unset, local runs start the embedded cluster in DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Where the embedded PostgreSQL keeps its data (git-ignored). */
  DATA_DIR: z.string().min(1).default('.data'),
  /**
   * The port the embedded PostgreSQL listens on (127.0.0.1) when a command starts it, so a URL from
   * `db url` stays the same; 0 picks a free one. Outside Linux's ephemeral range (32768-60999), so no
   * program's random port pick takes it.
   */
  LOCAL_DB_PORT: z.coerce.number().int().min(0).max(65_535).default(25_432),
  /** Remote mode: the read-only login's URL, for `db url --read-only` and exports (see docs/DATA.md). */
  READER_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Log lines on stderr; the CLI defaults to WARN so its own output stays readable. */
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('WARN'),
  /** Local runs only (AWS reads it from Secrets Manager). Alerts are logged when unset. */
  DISCORD_WEBHOOK_URL: z.url({ protocol: /^https$/ }).optional(),
  YAHOO_BASE_URL: z.url().optional(),
  UPBIT_BASE_URL: z.url().optional(),
  /** Sent to Yahoo with every request (it refuses some agents); unset: the provider's default. */
  YAHOO_USER_AGENT: z
    .string()
    .regex(/^[\x20-\x7E]{1,300}$/, 'YAHOO_USER_AGENT must be 1-300 printable ASCII characters')
    .optional(),
  /** Longest backfill range in calendar days. */
  MAX_BACKFILL_DAYS: z.coerce.number().int().positive().optional(),
  /** The asset universe that start, backfill and `assets sync` apply; unset: shared/universe/universe.json. */
  UNIVERSE_FILE: z.string().min(1).optional(),
});
export type Config = z.infer<typeof configSchema>;

// Its own module, so that a Lambda bundle that throws it does not build the CLI's configSchema.
export { ConfigError };

/** @throws ConfigError naming the first bad variable and what it should look like. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`environment variable ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
