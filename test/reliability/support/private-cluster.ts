import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, type Sql } from '#shared/db/client.ts';
import { type LocalPostgres, startLocalPostgres } from '#shared/db/local-postgres.ts';
import { migrate } from '#shared/db/migrations.ts';

/**
 * A PostgreSQL cluster of this test file's own, for drills that stop the server: the run's shared
 * cluster serves every other test file and must never go down.
 */
export interface PrivateCluster {
  /** Server URL (the postgres database), stable across restarts: the same port is reused. */
  url: string;
  /** A fresh migrated database on this cluster, with its own pool. */
  createDatabase(): Promise<{ sql: Sql; url: string; drop(): Promise<void> }>;
  /** Stops the server (open connections are cut), waits `downMs` refusing connections, starts it again. */
  outage(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const root = await mkdtemp(join(tmpdir(), 'reliability-pg-'));
  const dataDir = join(root, 'pg');
  let server: LocalPostgres = await startLocalPostgres({ dataDir, ephemeral: true });
  const url = server.url;
  const port = Number(new URL(url).port);
  let databases = 0;
  return {
    url,
    async createDatabase() {
      const name = `drill_${++databases}`;
      const admin = createSql(url, { max: 1 });
      await admin.unsafe(`CREATE DATABASE ${name}`);
      await admin.end();
      const databaseUrl = url.replace(/\/postgres$/, `/${name}`);
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
    async outage(downMs) {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startLocalPostgres({ dataDir, ephemeral: true, port });
    },
    async stop() {
      await server.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
