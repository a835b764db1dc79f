import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSql, type Sql } from '#shared/db/client.ts';
import { type LocalPostgres, startLocalPostgres } from '#shared/db/local-postgres.ts';
import { migrate } from '#shared/db/migrations.ts';
import { createTestCertificates } from '#test/support/certificates.ts';

const run = promisify(execFile);

/**
 * A TLS-only PostgreSQL cluster of one test file's own, for drills that cut connections or restart the
 * server (the run's shared cluster serves every other test file and must never go down).
 *
 * Stop-gap glue, kept in this one file on purpose: startLocalPostgres and createSql take no TLS options
 * yet, so TLS is switched on by hand (postgresql.auto.conf, a hostssl-only pg_hba.conf) and clients ask
 * for it with `?sslmode=require`. When those two take TLS options, only this file changes.
 */
export interface TlsCluster {
  /** Server URL (the postgres database) asking for TLS; stable across restarts (the port is reused). */
  url: string;
  /** A fresh migrated database on this cluster. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** Ends every backend whose application_name is `applicationName`; how many there were. */
  terminateBackends(applicationName: string): Promise<number>;
  /**
   * Stops the server the way `pg_ctl stop -m <mode>` does (SIGQUIT: immediate, no shutdown
   * checkpoint, connections dropped; SIGINT: fast, sessions terminated) and starts it again.
   */
  restart(mode: 'immediate' | 'fast'): Promise<void>;
  /** A client for the cluster's own bookkeeping (the caller ends it). */
  admin(): Sql;
  stop(): Promise<void>;
}

export async function startTlsCluster(): Promise<TlsCluster> {
  const root = await mkdtemp(join(tmpdir(), 'driver-tls-pg-'));
  const dataDir = join(root, 'pg');
  let server: LocalPostgres = await startLocalPostgres({ dataDir, ephemeral: true });
  const port = Number(new URL(server.url).port);
  await enableTls(server.dataDir, join(root, 'certs'));
  await server.stop();
  server = await startLocalPostgres({ dataDir, ephemeral: true, port });
  const url = `${server.url}?sslmode=require`;
  const admin = () => createSql(url, { max: 1, applicationName: 'tls-cluster-admin' });
  let databases = 0;
  return {
    url,
    admin,
    async createDatabase() {
      const name = `driver_${++databases}`;
      await withAdmin(admin, async (sql) => {
        await sql.unsafe(`CREATE DATABASE ${name}`);
        // The ephemeral cluster runs with synchronous_commit off, so a commit is acknowledged before
        // its WAL is written and an immediate stop loses it: a drill would see tasks that succeeded
        // come back unfinished. RDS acknowledges a commit once it is durable; so does this database.
        await sql.unsafe(`ALTER DATABASE ${name} SET synchronous_commit = on`);
      });
      const databaseUrl = url.replace('/postgres?', `/${name}?`);
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
    async restart(mode) {
      await stopServer(server.dataDir, mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
      server = await startLocalPostgres({ dataDir, ephemeral: true, port });
    },
    async stop() {
      await server.stop();
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

/**
 * TLS on, a server certificate signed by a throwaway CA, and pg_hba.conf accepting TCP only over TLS
 * (as RDS with rds.force_ssl=1), so every drill connection is a TLS one. The server reads its key as
 * the OS user it runs as, which is `postgres` when the tests run as root.
 */
async function enableTls(dataDir: string, certDir: string): Promise<void> {
  const certs = await createTestCertificates({ dir: certDir });
  await copyFile(certs.certFile, join(dataDir, 'server.crt'));
  await copyFile(certs.keyFile, join(dataDir, 'server.key'));
  const owner = await stat(join(dataDir, 'PG_VERSION'));
  for (const file of ['server.crt', 'server.key']) {
    await run('chown', [`${owner.uid}:${owner.gid}`, join(dataDir, file)]).catch(() => {});
    await run('chmod', ['0600', join(dataDir, file)]);
  }
  const auto = join(dataDir, 'postgresql.auto.conf');
  await writeFile(
    auto,
    `${await readFile(auto, 'utf8')}\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n`,
  );
  await writeFile(
    join(dataDir, 'pg_hba.conf'),
    'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n',
  );
}

/** Signals the postmaster and waits (bounded) until it has exited. */
async function stopServer(dataDir: string, signal: 'SIGQUIT' | 'SIGINT'): Promise<void> {
  const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, signal);
  for (let attempt = 0; attempt < 600; attempt++) {
    if (!(await alive(pid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`postmaster ${pid} still running 30 s after ${signal}`);
}

/** Whether `pid` still runs (a zombie nobody has reaped yet counts as gone). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat !== undefined) return !/^\d+ \(.*\) Z/.test(stat);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
