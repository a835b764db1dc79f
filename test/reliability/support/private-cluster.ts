import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, type Sql } from '#shared/db/client.ts';
import { migrate } from '#shared/db/migrations.ts';
import { APP_ROLE, startRdsLikeCluster } from '#test/support/rds-like-cluster.ts';

/**
 * A PostgreSQL cluster of this test file's own, for drills that stop the server: the run's shared
 * cluster serves every other test file and must never go down. RDS-like, as the shared one: every
 * drill runs over verified TLS as a role that is not a superuser.
 */
export interface PrivateCluster {
  /** The superuser's URL (the postgres database), stable across restarts: the same port is reused. */
  url: string;
  /** A fresh migrated database on this cluster, with its own pool. */
  createDatabase(): Promise<{ sql: Sql; url: string; drop(): Promise<void> }>;
  /** Stops the server (open connections are cut), waits `downMs` refusing connections, starts it again. */
  outage(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const root = await mkdtemp(join(tmpdir(), 'reliability-pg-'));
  const cluster = await startRdsLikeCluster(root);
  const url = cluster.adminUrl;
  let databases = 0;
  return {
    url,
    async createDatabase() {
      const name = `drill_${++databases}`;
      const admin = createSql(url, { max: 1 });
      await admin.unsafe(`CREATE DATABASE ${name} OWNER ${APP_ROLE}`);
      await admin.end();
      const databaseUrl = cluster.appUrl(name);
      const sql = createSql(databaseUrl, { max: 10 });
      await migrate(sql);
      return {
        sql,
        url: databaseUrl,
        drop: async () => {
          // After an outage a pooled connection cut while a write was buffered may never close cleanly
          // (postgres.js 3.4.9); there is no point waiting the usual 5 s: the drop is WITH (FORCE).
          await sql.end({ timeout: 1 });
          const dropper = createSql(url, { max: 1 });
          await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await dropper.end();
        },
      };
    },
    outage: (downMs) => cluster.restart({ downMs }),
    async stop() {
      await cluster.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
