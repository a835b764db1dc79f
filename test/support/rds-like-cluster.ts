import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSql } from '#shared/db/client.ts';
import { type LocalPostgres, startLocalPostgres } from '#shared/db/local-postgres.ts';
import { createTestCertificates } from './certificates.ts';

/** The login role the pipeline uses in tests: like the RDS master user, not a superuser. */
export const APP_ROLE = 'market_app';

/**
 * A throwaway cluster that behaves like RDS with rds.force_ssl=1: TLS only (a CA made for this run, no
 * committed key), SCRAM passwords only, and an application role without superuser rights. Every URL it
 * hands out asks for `sslmode=verify-full` against that CA.
 */
export interface RdsLikeCluster {
  /** The bootstrap superuser's URL (database `postgres`): for creating and dropping databases only. */
  adminUrl: string;
  /** The application role's URL for `database`. */
  appUrl(database: string): string;
  /** The application role's password (a rotation test changes it). */
  appPassword: string;
  caFile: string;
  dataDir: string;
  /**
   * Stops the server, waits `downMs` (connections refused), starts it again on the same port. `fast`
   * is `pg_ctl stop -m fast` (sessions terminated, a shutdown checkpoint); `immediate` is SIGQUIT to
   * the postmaster, as a crash or a failover looks to clients (no checkpoint, connections dropped).
   */
  restart(options?: { downMs?: number; mode?: 'fast' | 'immediate' }): Promise<void>;
  stop(): Promise<void>;
}

/** Starts an RDS-like cluster with its data and certificates under `root`. */
export async function startRdsLikeCluster(
  root: string,
  options: { ephemeral?: boolean } = {},
): Promise<RdsLikeCluster> {
  const certs = await createTestCertificates({ dir: join(root, 'certs') });
  const dataDir = join(root, 'pg');
  const tls = { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caCertFile };
  const ephemeral = options.ephemeral ?? true;
  let server: LocalPostgres = await startLocalPostgres({ dataDir, ephemeral, tls });
  const adminUrl = server.url;
  const port = Number(new URL(adminUrl).port);
  const appPassword = randomBytes(18).toString('base64url');
  const admin = createSql(adminUrl, { max: 1 });
  try {
    await admin.unsafe(
      `CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER CREATEDB CREATEROLE PASSWORD '${appPassword}'`,
    );
  } finally {
    await admin.end();
  }
  return {
    adminUrl,
    appUrl: (database) => withCredentials(adminUrl, database, APP_ROLE, appPassword),
    appPassword,
    caFile: certs.caCertFile,
    dataDir: server.dataDir,
    async restart({ downMs = 0, mode = 'fast' } = {}) {
      await (mode === 'immediate' ? stopImmediately(server.dataDir) : server.stop());
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startLocalPostgres({ dataDir, ephemeral, tls, port });
    },
    stop: () => server.stop(),
  };
}

/** `url` pointing at another database (query string kept), optionally as another role. */
export function withCredentials(url: string, database: string, user?: string, password?: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user !== undefined) parsed.username = encodeURIComponent(user);
  if (password !== undefined) parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** SIGQUIT to the postmaster (`pg_ctl stop -m immediate`), waiting (bounded) until it has exited. */
async function stopImmediately(dataDir: string): Promise<void> {
  const pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  process.kill(pid, 'SIGQUIT');
  for (let attempt = 0; attempt < 600; attempt++) {
    if (!(await alive(pid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`postmaster ${pid} still running 30 s after SIGQUIT`);
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
