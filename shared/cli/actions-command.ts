import * as z from 'zod';
import type { Config } from '#shared/config.ts';
import { selectActions } from '#shared/db/corporate-actions.ts';
import { withDatabase } from './context.ts';
import { flagError } from './flag-errors.ts';
import { type Output, table } from './output.ts';
import { assertMigrated, assetIdsOf, symbolListSchema } from './read-only.ts';

const actionsSchema = z.object({ assets: symbolListSchema });

/** `actions`: stored splits and dividends of some assets, by symbol and ex-date. Reads only. */
export async function actionsCommand(
  config: Config,
  out: Output,
  raw: Record<string, unknown>,
): Promise<number> {
  const parsed = actionsSchema.safeParse(raw);
  if (!parsed.success) throw flagError('actions', parsed.error.issues[0]);
  const { assets } = parsed.data;
  return withDatabase(config, async ({ sql }) => {
    await assertMigrated(sql, 'actions');
    const ids = await assetIdsOf(sql, 'actions', assets);
    const actions = (await selectActions(sql, [...ids.values()])).map((a) => ({
      symbol: a.symbol,
      exDate: a.exDate,
      kind: a.kind,
      numerator: a.numerator,
      denominator: a.denominator,
      amount: a.amount,
      currency: a.currency,
      source: a.source,
    }));
    out.result(actions, (rows) =>
      rows.length === 0
        ? `no corporate actions stored for ${assets.join(', ')}`
        : table([
            ['symbol', 'ex-date', 'kind', 'ratio', 'amount', 'source'],
            ...rows.map((r) => [
              r.symbol,
              r.exDate,
              r.kind,
              r.kind === 'split' ? `${r.numerator}:${r.denominator}` : '-',
              r.amount === null ? '-' : `${r.amount} ${r.currency}`,
              r.source,
            ]),
          ]),
    );
    return 0;
  });
}
