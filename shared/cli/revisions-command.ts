import * as z from 'zod';
import type { Config } from '#shared/config.ts';
import { listRevisions, type PriceRevision } from '#shared/db/price-revisions.ts';
import { InputError } from '#shared/domain/errors.ts';
import { withDatabase } from './context.ts';
import { flagError } from './flag-errors.ts';
import { type Output, table } from './output.ts';
import { positiveInt } from './pipeline-commands.ts';

const UNDEFINED_TABLE = '42P01';
const symbol = z.string().regex(/^[\x21-\x7E]{1,32}$/, 'expected a symbol');

const revisionsSchema = z.object({
  /** Comma-separated symbols. */
  assets: z
    .string()
    .transform((s) => s.split(',').filter((a) => a !== ''))
    .pipe(z.array(symbol).min(1, 'expected at least one symbol'))
    .optional(),
  /** Revisions recorded on or after this date (UTC). */
  since: z.iso.date().optional(),
  limit: z.string(),
});

/**
 * `revisions`: changes to stored bars (old and new values, cause, job and task), newest first. Reads
 * only: it never migrates or writes.
 * @throws InputError naming the bad option.
 */
export async function revisionsCommand(
  config: Config,
  out: Output,
  raw: Record<string, unknown>,
): Promise<number> {
  const parsed = revisionsSchema.safeParse(raw);
  if (!parsed.success) throw flagError('revisions', parsed.error.issues[0]);
  const { assets, since, limit } = parsed.data;
  const filter = {
    symbols: assets,
    since: since === undefined ? undefined : new Date(`${since}T00:00:00Z`),
    limit: positiveInt(limit, '--limit'),
  };
  return withDatabase(config, async ({ sql }) => {
    const revisions = await listRevisions(sql, filter).catch((error: unknown) => {
      // Reading never migrates: a database from before the revisions log says what to run.
      if ((error as { code?: string }).code === UNDEFINED_TABLE)
        throw new InputError(
          'revisions: this database has no revisions log yet; run `npm run -s cli -- migrate`',
          {
            cause: error,
          },
        );
      throw error;
    });
    out.result(revisions, (rs) => (rs.length === 0 ? 'no revisions' : revisionsTable(rs)));
    return 0;
  });
}

function revisionsTable(revisions: readonly PriceRevision[]): string {
  const change = (before: number | null, after: number | null) =>
    before === after ? String(after ?? '-') : `${before ?? '-'} -> ${after ?? '-'}`;
  return table([
    ['revised at', 'asset', 'session', 'cause', 'open', 'high', 'low', 'close', 'volume', 'job/task'],
    ...revisions.map((r) => [
      r.revisedAt.toISOString(),
      r.symbol,
      r.sessionDate,
      r.cause,
      change(r.old.open, r.new.open),
      change(r.old.high, r.new.high),
      change(r.old.low, r.new.low),
      change(r.old.close, r.new.close),
      change(r.old.volume, r.new.volume),
      `${r.jobId ?? '-'}/${r.taskId ?? '-'}`,
    ]),
  ]);
}
