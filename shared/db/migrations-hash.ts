import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * SHA-256 over the names and contents of `dir`/*.sql, in file-name order. The one definition both
 * sides use: synth puts it in the migration resource's properties, and the migrate function computes
 * it over the files it was bundled with, so that a request for other migrations (a rollback) is known.
 * @throws the fs error when the folder cannot be read.
 */
export function hashMigrations(dir: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  for (const name of files) {
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(dir, name)))
      .update('\0');
  }
  return hash.digest('hex');
}
