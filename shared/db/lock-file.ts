import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalPostgresError } from './errors.ts';

const POLL_MS = 50;
/**
 * A lock file is made whole (linked from a file already holding the process id), so an empty one is
 * not a lock being written: it was left by an earlier version that died between creating and writing
 * it. Broken once it is this old, so that a process writing one right now is never overtaken.
 */
const EMPTY_LOCK_STALE_MS = 10_000;

/**
 * Runs `work` holding the exclusive lock file `path` between processes: the file names the holder's
 * process id from the moment it exists. A lock whose holder died (a kill -9) is broken.
 * @throws LocalPostgresError when a live process holds the lock for `waitMs`.
 */
export async function withLockFile<T>(path: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + waitMs;
  while (!(await tryLock(path))) {
    const holder = await readFile(path, 'utf8').catch(() => undefined);
    if (holder === undefined) continue; // released meanwhile: try again at once
    if (await isStale(path, holder)) {
      // Only if it is still the lock we judged: another waiter may have broken it and taken it since.
      if ((await readFile(path, 'utf8').catch(() => undefined)) === holder)
        await unlink(path).catch(() => {});
    } else if (Date.now() > deadline) {
      const who = holder === '' ? 'another process' : `process ${holder}`;
      throw new LocalPostgresError(
        `embedded PostgreSQL: ${who} has held ${path} for ${waitMs / 1000} s; stop it or delete the file`,
      );
    } else await sleep(POLL_MS);
  }
  try {
    return await work();
  } finally {
    await unlink(path).catch(() => {});
  }
}

/** Creates the lock with this process's id in it, in one step (a hard link): false if it exists. */
async function tryLock(path: string): Promise<boolean> {
  const whole = `${path}.${process.pid}.${randomUUID()}`; // one per attempt, however many in this process
  await writeFile(whole, String(process.pid));
  try {
    await link(whole, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    await unlink(whole).catch(() => {});
  }
}

async function isStale(path: string, holder: string): Promise<boolean> {
  if (holder !== '') return !isAlive(Number(holder));
  const made = await stat(path).catch(() => undefined);
  return made !== undefined && Date.now() - made.mtimeMs > EMPTY_LOCK_STALE_MS;
}

/** Whether a process with this id runs (one of another user's counts). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
