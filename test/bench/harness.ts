import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, type Sql } from '#shared/db/client.ts';
import { startLocalPostgres } from '#shared/db/local-postgres.ts';
import { migrate } from '#shared/db/migrations.ts';

export type SuiteResult = Record<string, number | string | boolean>;
export type Suite = (log: (line: string) => void) => Promise<SuiteResult>;

/**
 * A fresh, migrated PostgreSQL with default (durable) settings for one suite, removed afterwards.
 * Baselines run on the same server in the same run, so the ratios compare like with like.
 */
export async function withBenchDatabase<T>(
  work: (sql: Sql, copies: DatabaseCopies) => Promise<T>,
  pool = 10,
): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'market-data-bench-'));
  const cluster = await startLocalPostgres({ dataDir: join(root, 'pg') });
  const sql = createSql(cluster.url, { max: pool });
  try {
    await migrate(sql);
    return await work(sql, databaseCopies(sql, cluster.url, pool));
  } finally {
    await sql.end({ timeout: 5 });
    await cluster.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * Copies of a database of the suite's server, each in the state the template was left in: so that
 * repeated rounds of a measurement that writes start alike. CREATE DATABASE ... TEMPLATE copies files;
 * the template must have no open connection while it is copied.
 */
export interface DatabaseCopies {
  /** A new, empty, migrated database, named `name`, to fill as the template; its pool is closed after. */
  template(name: string, fill: (sql: Sql) => Promise<void>): Promise<void>;
  /** `work` in a new copy of `template`, dropped afterwards. */
  copyOf<T>(template: string, work: (sql: Sql) => Promise<T>): Promise<T>;
}

function databaseCopies(admin: Sql, url: string, pool: number): DatabaseCopies {
  let copies = 0;
  const connect = (name: string) => {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return createSql(u.toString(), { max: pool });
  };
  return {
    async template(name, fill) {
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const sql = connect(name);
      try {
        await migrate(sql);
        await fill(sql);
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
    async copyOf(template, work) {
      const name = `${template}_copy_${++copies}`;
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      const sql = connect(name);
      try {
        return await work(sql);
      } finally {
        await sql.end({ timeout: 5 });
        await admin.unsafe(`DROP DATABASE ${name}`);
      }
    },
  };
}

/** Seconds taken by `work`. */
export async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * A suite's size: `BENCH_ASSETS` in the environment when set (a smaller run while iterating on a shared
 * machine), else `fallback`, the size the published figures use.
 */
export function benchAssets(fallback: number): number {
  const raw = process.env.BENCH_ASSETS;
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`bench: BENCH_ASSETS=${raw} is not a positive integer`);
  return value;
}
