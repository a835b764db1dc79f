import postgres from 'postgres';

/** The postgres.js client type used across the db layer (a transaction or reserved connection fits too). */
export type Sql = postgres.Sql<Record<string, never>>;

export interface SqlOptions {
  /** Pool size; Lambda wants 1-2, a local backfill more. */
  max?: number;
  applicationName?: string;
  ssl?: boolean;
}

/**
 * One client per process: create it once at start-up and share it. Result columns come back camelCase;
 * int8 as numbers (ids and counters stay far below 2^53); dates as `YYYY-MM-DD` strings, never as
 * instants; numeric prices as strings so no precision is lost.
 */
export function createSql(url: string, options: SqlOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    ssl: options.ssl ? 'require' : false,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'market-data' },
    transform: { column: { from: postgres.toCamel } },
    types: {
      bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: (s: string) => Number(s) },
      date: { to: 1082, from: [1082], serialize: (d: string) => d, parse: (d: string) => d },
    },
  }) as unknown as Sql;
}
