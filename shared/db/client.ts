import { connect, type Socket } from 'node:net';
import postgres from 'postgres';
import { postgresSsl, type TlsSettings, tlsFromUrl } from './tls.ts';

/** The postgres.js client type used across the db layer (a transaction or reserved connection fits too). */
export type Sql = postgres.Sql<Record<string, never>>;
export type Transaction = postgres.TransactionSql<Record<string, never>>;

export interface SqlOptions {
  /** Pool size; Lambda wants 1-2, a local backfill more. */
  max?: number;
  applicationName?: string;
  /**
   * The server ends a session that sits this long inside a transaction: a Lambda frozen (or a task
   * abandoned at its deadline) mid-transaction then releases its row locks instead of holding them.
   */
  idleInTransactionTimeoutMs?: number;
  /** TLS for this client; when absent the URL's `sslmode`/`sslrootcert` decide, as in libpq (see tls.ts). */
  tls?: TlsSettings;
  /**
   * The password, asked for by every new connection (instead of the URL's): a rotated secret then
   * reaches the next connection without a new client.
   */
  password?: () => Promise<string>;
}

/**
 * One client per process: create it once at start-up and share it. Result columns come back camelCase;
 * int8 as numbers (ids and counters stay far below 2^53); dates as `YYYY-MM-DD` strings, never as
 * instants; numeric prices as strings so no precision is lost.
 */
export function createSql(url: string, options: SqlOptions = {}): Sql {
  const fromUrl = tlsFromUrl(url);
  const host = new URL(fromUrl.url).hostname.replace(/^\[|\]$/g, '') || 'localhost';
  // libpq's default is `prefer`: TLS when the server offers it, else plaintext.
  const ssl = postgresSsl(options.tls ?? fromUrl.tls ?? { mode: 'prefer' }, host);
  return postgres(fromUrl.url, {
    max: options.max ?? 10,
    ssl: ssl as never,
    ...(options.password ? { pass: options.password } : {}),
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'market-data',
      ...(options.idleInTransactionTimeoutMs
        ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
        : {}),
    },
    transform: { column: { from: postgres.toCamel } },
    // Not in postgres.js's types, but supported: a function returning a connected socket.
    ...({ socket: connectWithoutDelay } as object),
    // Reconnect quickly after a database restart or failover (the default grows to 10-20 s).
    backoff: (attempt: number) => Math.min(0.05 * 2 ** attempt, 1),
    types: {
      bigint: { to: 20, from: [20], serialize: (n: number) => String(n), parse: (s: string) => Number(s) },
      date: { to: 1082, from: [1082], serialize: (d: string) => d, parse: (d: string) => d },
    },
  }) as unknown as Sql;
}

/**
 * Runs `work` in the caller's transaction when `sql` already is one, else in a new transaction, so a
 * db function can be used alone or as part of a larger unit of work.
 */
export async function inTransaction<T>(sql: Sql, work: (tx: Sql) => Promise<T>): Promise<T> {
  if (isTransaction(sql)) return work(sql);
  // A transaction runs the same queries as the pool; the db layer treats both as Sql.
  return sql.begin((tx) => work(tx as unknown as Sql)) as Promise<T>;
}

function isTransaction(sql: Sql): boolean {
  return 'savepoint' in sql;
}

/** Runs `work` under a savepoint of the transaction `tx`, rolled back if `work` throws. */
export async function inSavepoint<T>(tx: Sql, work: (sp: Sql) => Promise<T>): Promise<T> {
  return (tx as unknown as Transaction).savepoint((sp) => work(sp as unknown as Sql)) as Promise<T>;
}

/**
 * A TCP connection with Nagle's algorithm off. postgres.js sends a COPY's data and its CopyDone (and a
 * transaction's small messages) as separate writes; with Nagle on, each small write waits for the
 * server's delayed ACK, about 40 ms a time, which made a 2,500-row COPY take 140 ms instead of 15.
 * The socket is handed over while it connects, so that a refused connection reaches postgres.js as a
 * socket error and close (a rejected promise would leave that pool slot "connecting" for ever).
 */
function connectWithoutDelay(options: { host: string[]; port: number[] }): Socket {
  const host = options.host[0] ?? 'localhost';
  const port = options.port[0] ?? 5432;
  // postgres.js names the server in its errors (and, without our TLS options, in SNI) from these.
  return Object.assign(connect({ host, port, noDelay: true }), { host, port });
}
