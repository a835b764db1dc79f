import { unlinkSync } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '#shared/domain/errors.ts';
import { cleanText } from '#shared/domain/text.ts';

/**
 * Writes a file whole or not at all: `write` fills a hidden temporary file beside `output`, which is
 * renamed over it only once `write` resolves. When `write` throws (an error, a Ctrl-C) the temporary
 * file is removed, and on a process exit mid-write (a second Ctrl-C, a closed terminal) too. Returns the absolute path
 * and its size in bytes.
 * @throws InputError in one line when `output` is a folder or its folder is missing or not writable.
 */
export async function writeWhole(
  command: string,
  output: string,
  write: (file: FileHandle) => Promise<void>,
): Promise<{ file: string; bytes: number }> {
  const target = resolve(output);
  if ((await stat(target).catch(() => undefined))?.isDirectory())
    throw new InputError(`${command}: --output ${shown(output)} is a folder; name a file in it`);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  const file = await open(temporary, 'wx', 0o644).catch((error: NodeJS.ErrnoException) => {
    throw new InputError(
      `${command}: cannot write --output ${shown(output)} (${error.code ?? error.message}); name a file in a folder that exists and you may write to`,
      { cause: error },
    );
  });
  const removeOnExit = () => {
    try {
      unlinkSync(temporary);
    } catch {} // already renamed or removed
  };
  // A closed terminal (SIGHUP) ends the process without 'exit' handlers unless it exits itself.
  const hangUp = () => process.exit(129);
  process.once('exit', removeOnExit);
  process.once('SIGHUP', hangUp);
  try {
    try {
      await write(file);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
    return { file: target, bytes: (await stat(target)).size };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    process.off('exit', removeOnExit);
    process.off('SIGHUP', hangUp);
  }
}

/** A path as typed, quoted and bounded (it is the user's input, shown back in one line). */
function shown(path: string): string {
  return JSON.stringify(cleanText(path, 300));
}
