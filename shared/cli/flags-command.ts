import * as z from 'zod';
import type { Config } from '#shared/config.ts';
import { listQualityFlags } from '#shared/db/quality-flags.ts';
import { cleanText } from '#shared/domain/text.ts';
import { withDatabase } from './context.ts';
import { flagError } from './flag-errors.ts';
import { type Output, table } from './output.ts';
import { positiveInt } from './pipeline-commands.ts';
import { assertMigrated } from './read-only.ts';

const flagsSchema = z.object({
  kind: z
    .enum(['rejected_bar', 'large_move', 'gap', 'rebased', 'closed_day_bar', 'suspected_delisted'])
    .optional(),
  asset: z
    .string()
    .regex(/^[\x21-\x7E]{1,32}$/, 'expected a symbol')
    .optional(),
  since: z.iso.date().optional(),
  limit: z.string(),
});

/** `flags`: data-quality findings (rejected bars, large moves, gaps), newest sessions first. */
export async function flagsCommand(
  config: Config,
  out: Output,
  raw: Record<string, unknown>,
): Promise<number> {
  const parsed = flagsSchema.safeParse(raw);
  if (!parsed.success) throw flagError('flags', parsed.error.issues[0]);
  const { kind, asset, since, limit } = parsed.data;
  return withDatabase(config, async ({ sql }) => {
    await assertMigrated(sql, 'flags');
    const flags = await listQualityFlags(sql, {
      kind,
      symbol: asset,
      since,
      limit: positiveInt(limit, '--limit'),
    });
    out.result(flags, (fs) =>
      fs.length === 0
        ? 'no quality flags'
        : table([
            ['session', 'asset', 'kind', 'reason', 'job'],
            ...fs.map((f) => [f.sessionDate, f.symbol, f.kind, cleanText(f.reason, 200), f.jobId ?? '-']),
          ]),
    );
    return 0;
  });
}
