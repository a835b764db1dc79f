import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the project root for esbuild and where functions/ and migrations/ live. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const migrationsDir = join(repoRoot, 'migrations');

/** The lock file that pins what esbuild bundles. */
export const lockFile = join(repoRoot, 'package-lock.json');

/** The handler file of a Lambda: `functions/<name>.ts`, which exports `handler`. */
export function handlerEntry(name: string): string {
  return join(repoRoot, 'functions', `${name}.ts`);
}
