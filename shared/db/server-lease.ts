import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type LocalPostgres,
  type LocalPostgresOptions,
  startLocalPostgres,
  stopLocalPostgres,
} from './local-postgres.ts';
import { isAlive, withLockFile } from './lock-file.ts';

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

/**
 * Several CLI processes share one embedded server (a backfill and `jobs --watch` beside it): each
 * registers its process id in `<dataDir>.users.json`, and the last one to leave stops the server, so
 * nobody's database disappears mid-run. Start, registration and stop happen under an exclusive lock
 * file `<dataDir>.lock`, so a process never reuses a server another one is stopping. Ids of processes
 * that died (a kill -9) are dropped whenever the file is read; a server started outside a lease (by
 * hand) is never stopped by one.
 * @throws LocalPostgresError when the server cannot start, or the lock stays held for 2 minutes (withLockFile).
 */
export async function leaseLocalPostgres(options: LocalPostgresOptions): Promise<ServerLease> {
  const base = resolve(options.dataDir);
  return withLockFile(`${base}.lock`, LOCK_WAIT_MS, async () => {
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
        await withLockFile(`${base}.lock`, LOCK_WAIT_MS, async () => {
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
