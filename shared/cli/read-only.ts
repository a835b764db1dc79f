import * as z from 'zod';
import { listAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { migrationStatus } from '#shared/db/migrations.ts';
import { InputError } from '#shared/domain/errors.ts';

/** `--assets A,B`: one or more symbols, each printable ASCII. */
export const symbolListSchema = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(
    z.array(z.string().regex(/^[\x21-\x7E]{1,32}$/, 'expected a symbol')).min(1, 'name at least one symbol'),
  );

/**
 * Read-only commands never migrate (that would be a write): a database behind the migrations on disk
 * is a setup problem, reported in one line. Throws InputError naming the command and the fix.
 */
export async function assertMigrated(sql: Sql, command: string): Promise<void> {
  const pending = (await migrationStatus(sql)).filter((m) => m.state === 'pending');
  if (pending.length > 0) {
    throw new InputError(
      `${command}: the database is not migrated (${pending.length} pending, first ${pending[0]?.name}); run \`npm run cli -- migrate\` first`,
    );
  }
}

/**
 * The stored ids of `symbols`, in the order given. Throws InputError naming the first unknown symbol.
 */
export async function assetIdsOf(
  sql: Sql,
  command: string,
  symbols: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map((await listAssets(sql, { symbols })).map((a) => [a.symbol, a.id]));
  const unknown = symbols.find((s) => !found.has(s));
  if (unknown !== undefined)
    throw new InputError(`${command}: unknown asset ${unknown} (see the universe file)`);
  return found;
}
