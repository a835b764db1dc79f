import * as z from 'zod';
import type { Config } from '#shared/config.ts';
import { type AdjustedBar, adjustedPrices, PRICE_BASES } from '#shared/db/adjusted-prices.ts';
import { InputError } from '#shared/domain/errors.ts';
import { withDatabase } from './context.ts';
import { exportFlags, exportFormatOf, exportPricesCommand } from './export-command.ts';
import { flagError } from './flag-errors.ts';
import { type Output, table } from './output.ts';
import { assertMigrated, assetIdsOf, symbolListSchema } from './read-only.ts';

const pricesSchema = z
  .object({
    assets: symbolListSchema.optional(),
    start: z.iso.date(),
    end: z.iso.date(),
    adjust: z.enum(PRICE_BASES as ['none', 'splits', 'total']).default('none'),
    csv: z.boolean().default(false),
    json: z.boolean().default(false),
    ...exportFlags,
  })
  .refine((f) => f.start <= f.end, { message: 'end is before start', path: ['end'] })
  .refine((f) => f.format === undefined || f.output !== undefined, {
    message: 'needs --output FILE',
    path: ['format'],
  })
  .refine((f) => !(f.csv && f.output), { message: 'choose one of --csv and --output', path: ['csv'] })
  .refine((f) => !(f.csv && f.json), { message: 'choose one of --csv and --json', path: ['csv'] });

const FIELDS = ['symbol', 'sessionDate', 'open', 'high', 'low', 'close', 'volume', 'source'] as const;

/** `prices`: stored daily bars, as traded (default) or adjusted for splits or total return. Reads only. */
export async function pricesCommand(
  config: Config,
  out: Output,
  raw: Record<string, unknown>,
): Promise<number> {
  const parsed = pricesSchema.safeParse(raw);
  if (!parsed.success) throw flagError('prices', parsed.error.issues[0]);
  const { assets, start, end, adjust, csv, output } = parsed.data;
  if (output !== undefined) {
    const request = { assets, start, end, basis: adjust, output, format: exportFormatOf(parsed.data) };
    return exportPricesCommand(config, out, request);
  }
  if (assets === undefined) throw new InputError('prices: --assets is required without --output');
  return withDatabase(config, async ({ sql }) => {
    await assertMigrated(sql, 'prices');
    await assetIdsOf(sql, 'prices', assets);
    const bars = (await adjustedPrices(sql, { symbols: assets, start, end, basis: adjust })).map(pick);
    if (csv) {
      process.stdout.write(`${toCsv(bars)}\n`);
      return 0;
    }
    out.result(bars, (rows) =>
      rows.length === 0
        ? `no stored bars for ${assets.join(', ')} between ${start} and ${end}`
        : table([FIELDS.map(String), ...rows.map((r) => FIELDS.map((f) => r[f]))]),
    );
    return 0;
  });
}

type PricesRow = Pick<AdjustedBar, (typeof FIELDS)[number]>;

function pick(bar: AdjustedBar): PricesRow {
  const { symbol, sessionDate, open, high, low, close, volume, source } = bar;
  return { symbol, sessionDate, open, high, low, close, volume, source };
}

/** RFC 4180: a header row, then one row per bar (no field here can hold a comma or a quote). */
function toCsv(rows: readonly PricesRow[]): string {
  return [FIELDS.join(','), ...rows.map((r) => FIELDS.map((f) => String(r[f])).join(','))].join('\n');
}
