import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalPostgresError } from './errors.ts';

const POLL_MS = 50;
/**
 * A lock file is made whole (hard-linked from a file already holding its token), so an empty one is
 * not a lock being written: it was left by an earlier version that died between creating and writing
 * it. So is a break lock whose breaker died. Either is broken once this old, never sooner.
 */
const ABANDONED_MS = 10_000;

/**
 * Runs `work` holding the exclusive lock file `path` between processes. The file holds the holder's
 * token, `<pid>:<uuid>`, from the moment it exists; a lock whose process died (a kill -9) is broken.
 * Breaking happens under a second lock (`<path>.break`), after reading the lock again, so two waiters
 * that both judged one dead holder's lock cannot each take it; a holder removes only its own lock.
 * @throws LocalPostgresError when a live process holds the lock for `waitMs`.
 */
export async function withLockFile<T>(path: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const token = `${process.pid}:${randomUUID()}`;
  const whole = `${path}.${randomUUID()}`; // this call's token, linked to `path` to take the lock
  try {
    await writeFile(whole, token);
    await acquire(path, whole, waitMs);
  } finally {
    await unlink(whole).catch(() => {});
  }
  try {
    return await work();
  } finally {
    if ((await readHolder(path).catch(() => undefined)) === token) await unlink(path).catch(() => {});
  }
}

async function acquire(path: string, whole: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await tryLink(whole, path))) {
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released meanwhile: try again at once
    if (Date.now() > deadline) {
      const pid = holder.split(':')[0];
      const who = pid ? `process ${pid}` : 'another process';
      throw new LocalPostgresError(
        `embedded PostgreSQL: ${who} has held ${path} for ${waitMs / 1000} s; stop it or delete the file`,
      );
    }
    if (await isAbandoned(path, holder)) await breakLock(path, holder);
    else await sleep(POLL_MS);
  }
}

/** Removes the lock `holder` left, if it still holds it, under the break lock. */
async function breakLock(path: string, holder: string): Promise<void> {
  const breaking = `${path}.break`;
  const mine = `${breaking}.${randomUUID()}`;
  try {
    await writeFile(mine, String(process.pid));
    if (!(await tryLink(mine, breaking))) {
      // Another waiter is breaking it; a break lock whose breaker died is removed by age.
      if (await olderThan(breaking, ABANDONED_MS)) await unlink(breaking).catch(() => {});
      else await sleep(POLL_MS);
      return;
    }
    try {
      if ((await readHolder(path)) === holder) await unlink(path).catch(() => {});
    } finally {
      await unlink(breaking).catch(() => {});
    }
  } finally {
    await unlink(mine).catch(() => {});
  }
}

/** Creates `path` as a hard link to `from`, in one step: false if it exists. */
async function tryLink(from: string, path: string): Promise<boolean> {
  try {
    await link(from, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** The lock's contents; undefined when there is no lock. */
async function readHolder(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the holder died: its process is gone, or (an empty lock) it never wrote its id. */
async function isAbandoned(path: string, holder: string): Promise<boolean> {
  if (holder === '') return olderThan(path, ABANDONED_MS);
  return !isAlive(Number(holder.split(':')[0]));
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const made = await stat(path).catch(() => undefined);
  return made !== undefined && Date.now() - made.mtimeMs > ms;
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
