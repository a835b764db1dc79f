import { extname } from 'node:path';
import { Option } from 'commander';
import * as z from 'zod';
import type { Config } from '#shared/config.ts';
import { InputError, quote } from '#shared/domain/errors.ts';
import { withDatabase } from './context.ts';
import { EXPORT_FORMATS, type ExportFormat } from './export-formats.ts';
import type { Output } from './output.ts';
import { exportPrices, type PriceExportRequest } from './price-export.ts';
import { assertMigrated, assetIdsOf } from './read-only.ts';
import { prepareLocalReader } from './reader-access.ts';

/** `--format`, for bin/cli.ts. */
export const exportFormatOption = new Option(
  '--format <format>',
  'export format (default: from the --output extension): csv, json (JSON Lines) or parquet',
).choices(EXPORT_FORMATS);

/** `prices` flags of an export, merged into its schema. */
export const exportFlags = {
  format: z.enum(EXPORT_FORMATS).optional(),
  output: z.string().min(1).optional(),
};

const BY_EXTENSION: Record<string, ExportFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.jsonl': 'json',
  '.ndjson': 'json',
  '.parquet': 'parquet',
};

/** --format, or the one --output's extension names. @throws InputError when neither says. */
export function exportFormatOf(flags: { format?: ExportFormat; output?: string }): ExportFormat {
  const format = flags.format ?? BY_EXTENSION[extname(flags.output ?? '').toLowerCase()];
  if (format === undefined)
    throw new InputError(
      `prices: --output ${quote(flags.output)} has no known extension; add --format csv, json or parquet`,
    );
  return format;
}

/**
 * `prices ... --output FILE`: checks the request against the database (migrated, known symbols), then
 * exports through the read-only login: the embedded cluster's own, or READER_DATABASE_URL in remote
 * mode (DATABASE_URL when that is unset, still in a read-only transaction). Prints the summary.
 */
export async function exportPricesCommand(
  config: Config,
  out: Output,
  request: PriceExportRequest,
): Promise<number> {
  const summary = await withDatabase(config, async (db) => {
    await assertMigrated(db.sql, 'prices');
    if (request.assets) await assetIdsOf(db.sql, 'prices', request.assets);
    const readerUrl = config.DATABASE_URL
      ? (config.READER_DATABASE_URL ?? db.url)
      : await prepareLocalReader(config, db);
    return exportPrices(readerUrl, request, { progress: !out.json });
  });
  out.result(
    summary,
    (s) =>
      `wrote ${s.rows} bars of ${s.assets} assets (${s.basis === 'none' ? 'as traded' : `adjusted: ${s.basis}`}) to ${s.file} (${s.format}, ${s.bytes} bytes)`,
  );
  return 0;
}
