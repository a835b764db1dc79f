import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPostgresError } from '#shared/db/errors.ts';
import { withLockFile } from '#shared/db/lock-file.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'market-data-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process id no process has: the largest Linux allows, plus one. */
const NO_SUCH_PROCESS = 4_194_305;

describe('withLockFile', () => {
  it('holds the lock with this process’s id in it from the start, and removes it after', async () => {
    // Prepare
    const path = join(dir, 'held.lock');

    // Act
    const inside = await withLockFile(path, 1_000, () => readFile(path, 'utf8'));

    // Assess
    expect(inside).toMatch(new RegExp(`^${process.pid}:[0-9a-f-]{36}$`));
    await expect(readFile(path, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('lets one holder in at a time', async () => {
    // Prepare
    const path = join(dir, 'turns.lock');
    const log: string[] = [];
    const turn = (name: string) =>
      withLockFile(path, 10_000, async () => {
        log.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push(`${name} out`);
      });

    // Act
    await Promise.all(['a', 'b', 'c'].map(turn));

    // Assess: every entry is followed by its own exit
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]?.replace(' in', ' out'));
    expect(log).toHaveLength(6);
  });

  it('lets one waiter at a time take a lock whose holder died, however many judged it dead', async () => {
    // Prepare
    const path = join(dir, 'dead-many.lock');
    await writeFile(path, `${NO_SUCH_PROCESS}:left-by-a-kill`);
    const inside: number[] = [];
    let most = 0;
    const turn = () =>
      withLockFile(path, 10_000, async () => {
        inside.push(1);
        most = Math.max(most, inside.length);
        await new Promise((resolve) => setTimeout(resolve, 20));
        inside.pop();
      });

    // Act
    await Promise.all(Array.from({ length: 6 }, turn));

    // Assess: never two inside; no lock, break lock or token file left behind
    expect(most).toBe(1);
    expect((await readdir(dir)).filter((f) => f.startsWith('dead-many.lock'))).toEqual([]);
  });

  it('removes only its own lock when it is done, never one another process holds by then', async () => {
    // Prepare
    const path = join(dir, 'own.lock');

    // Act: while this holder works, its lock is replaced (as a waiter that broke it wrongly would)
    await withLockFile(path, 1_000, () => writeFile(path, `${NO_SUCH_PROCESS}:another`));

    // Assess
    expect(await readFile(path, 'utf8')).toBe(`${NO_SUCH_PROCESS}:another`);
    await rm(path);
  });

  it('throws on a lock it cannot read, rather than waiting on it for ever', async () => {
    // Prepare: something that is not a lock file where the lock goes
    const path = join(dir, 'unreadable.lock');
    await mkdir(path);

    // Act
    const taken = withLockFile(path, 60_000, async () => true);

    // Assess
    await expect(taken).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('breaks a lock whose holder died', async () => {
    // Prepare
    const path = join(dir, 'dead.lock');
    await writeFile(path, String(NO_SUCH_PROCESS));

    // Act
    const ran = await withLockFile(path, 1_000, async () => true);

    // Assess
    expect(ran).toBe(true);
  });

  it('waits for an empty lock file that is new (once a holder still writing its id), and says who holds it', async () => {
    // Prepare: an empty lock made just now, as an older version left one between creating and writing it
    const path = join(dir, 'empty-new.lock');
    await writeFile(path, '');
    const inAnHour = new Date(Date.now() + 3_600_000); // new for the whole test, however slow the machine
    await utimes(path, inAnHour, inAnHour);

    // Act
    const waited = withLockFile(path, 200, async () => true);

    // Assess: not taken as a dead holder's (that let two processes in at once)
    await expect(waited).rejects.toThrow(LocalPostgresError);
    await expect(waited).rejects.toThrow(/another process has held .*empty-new\.lock for 0.2 s/);
    await rm(path);
  });

  it('breaks an empty lock file that is old: its writer died before writing its id', async () => {
    // Prepare
    const path = join(dir, 'empty-old.lock');
    await writeFile(path, '');
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(path, minuteAgo, minuteAgo);

    // Act
    const ran = await withLockFile(path, 1_000, async () => true);

    // Assess
    expect(ran).toBe(true);
  });
});
