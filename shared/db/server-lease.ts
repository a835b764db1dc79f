import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalPostgresError } from './errors.ts';
import {
  type LocalPostgres,
  type LocalPostgresOptions,
  startLocalPostgres,
  stopLocalPostgres,
} from './local-postgres.ts';

/** The embedded server as one process holds it: `release` stops it only when no other process uses it. */
export interface ServerLease {
  server: LocalPostgres;
  release(): Promise<void>;
}

/** Who uses the server: live process ids, and whether one of them (not a person, by hand) started it. */
interface Users {
  pids: number[];
  startedByLease: boolean;
}

/** Starting the server can take a minute on first use (initdb); a lock held longer is a hung process. */
const LOCK_WAIT_MS = 120_000;
const LOCK_POLL_MS = 50;

/**
 * Several CLI processes share one embedded server (a backfill and `jobs --watch` beside it): each
 * registers its process id in `<dataDir>.users.json`, and the last one to leave stops the server, so
 * nobody's database disappears mid-run. Start, registration and stop happen under an exclusive lock
 * file `<dataDir>.lock`, so a process never reuses a server another one is stopping. Ids of processes
 * that died (a kill -9) are dropped whenever the file is read; a server started outside a lease (by
 * hand) is never stopped by one.
 * @throws LocalPostgresError when the server cannot start, or the lock stays held for 2 minutes.
 */
export async function leaseLocalPostgres(options: LocalPostgresOptions): Promise<ServerLease> {
  const base = resolve(options.dataDir);
  return withLock(`${base}.lock`, async () => {
    const users = await readUsers(`${base}.users.json`);
    const server = await startLocalPostgres(options);
    // A lease holder that died (kill -9) leaves its server to the next ones, who stop it in the end.
    const startedByLease = server.startedHere || users.startedByLease;
    await writeUsers(`${base}.users.json`, { pids: [...users.pids, process.pid], startedByLease });
    let released = false;
    return {
      server,
      release: async () => {
        if (released) return;
        released = true;
        await withLock(`${base}.lock`, async () => {
          const now = await readUsers(`${base}.users.json`);
          const pids = now.pids.filter((pid) => pid !== process.pid);
          const last = pids.length === 0 && now.startedByLease;
          if (last) await stopLocalPostgres(server.dataDir);
          await writeUsers(`${base}.users.json`, { pids, startedByLease: now.startedByLease && !last });
        });
      },
    };
  });
}

async function readUsers(path: string): Promise<Users> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (!text) return { pids: [], startedByLease: false };
  try {
    const users = JSON.parse(text) as Users;
    return { pids: users.pids.filter(isAlive), startedByLease: users.startedByLease === true };
  } catch {
    return { pids: [], startedByLease: false }; // a torn write cannot happen (rename), but stay safe
  }
}

async function writeUsers(path: string, users: Users): Promise<void> {
  const temporary = `${path}.${process.pid}`;
  await writeFile(temporary, JSON.stringify(users));
  await rename(temporary, path);
}

async function withLock<T>(path: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(await readFile(path, 'utf8').catch(() => ''));
      // Left by a process that died holding it (an empty file: one that died between open and write).
      if (!isAlive(holder)) await unlink(path).catch(() => {});
      else if (Date.now() > deadline)
        throw new LocalPostgresError(
          `embedded PostgreSQL: process ${holder} has held ${path} for 2 minutes; stop it or delete the file`,
        );
      else await sleep(LOCK_POLL_MS);
    }
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
