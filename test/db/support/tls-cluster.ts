import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, type Sql } from '#shared/db/client.ts';
import { migrate } from '#shared/db/migrations.ts';
import { APP_ROLE, startRdsLikeCluster } from '#test/support/rds-like-cluster.ts';

/**
 * An RDS-like PostgreSQL cluster (TLS and SCRAM only, verify-full) of one test file's own, for drills
 * that cut connections or restart the server (the run's shared cluster serves every other test file
 * and must never go down).
 */
export interface TlsCluster {
  /** The superuser's URL (the postgres database); stable across restarts (the port is reused). */
  url: string;
  /** A fresh migrated database on this cluster, and the application role's URL of it. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** Ends every backend whose application_name is `applicationName`; how many there were. */
  terminateBackends(applicationName: string): Promise<number>;
  /** Stops the server (`pg_ctl stop -m <mode>`) and starts it again. */
  restart(mode: 'immediate' | 'fast'): Promise<void>;
  /** A client for the cluster's own bookkeeping (the caller ends it). */
  admin(): Sql;
  stop(): Promise<void>;
}

export async function startTlsCluster(): Promise<TlsCluster> {
  const root = await mkdtemp(join(tmpdir(), 'driver-tls-pg-'));
  const cluster = await startRdsLikeCluster(root);
  const url = cluster.adminUrl;
  const admin = () => createSql(url, { max: 1, applicationName: 'tls-cluster-admin' });
  let databases = 0;
  return {
    url,
    admin,
    async createDatabase() {
      const name = `driver_${++databases}`;
      await withAdmin(admin, async (sql) => {
        await sql.unsafe(`CREATE DATABASE ${name} OWNER ${APP_ROLE}`);
        // The ephemeral cluster runs with synchronous_commit off, so a commit is acknowledged before
        // its WAL is written and an immediate stop loses it: a drill would see tasks that succeeded
        // come back unfinished. RDS acknowledges a commit once it is durable; so does this database.
        await sql.unsafe(`ALTER DATABASE ${name} SET synchronous_commit = on`);
      });
      const databaseUrl = cluster.appUrl(name);
      const sql = createSql(databaseUrl, { max: 1 });
      await migrate(sql).finally(() => sql.end());
      return {
        url: databaseUrl,
        drop: async () => {
          await withAdmin(admin, (a) => a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        },
      };
    },
    async terminateBackends(applicationName) {
      const rows = await withAdmin(
        admin,
        (sql) => sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE application_name = ${applicationName}`,
      );
      return rows.length;
    },
    restart: (mode) => cluster.restart({ mode }),
    async stop() {
      await cluster.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function withAdmin<T>(admin: () => Sql, work: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = admin();
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}
