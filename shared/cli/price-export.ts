import type { FileHandle } from 'node:fs/promises';
import type { PriceBasis } from '#shared/db/adjusted-prices.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { countExportBars, exportAssets, exportBars, sessionUser } from '#shared/db/price-export.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { writeWhole } from './export-file.ts';
import { type ExportFormat, openSink } from './export-formats.ts';
import { exportProgress } from './export-progress.ts';
import { InterruptedError, type StopSignal, stoppable } from './interrupt.ts';

export interface PriceExportRequest {
  /** Undefined: every stored asset. */
  assets?: readonly string[];
  start: IsoDate;
  end: IsoDate;
  basis: PriceBasis;
  format: ExportFormat;
  output: string;
}

export interface PriceExportSummary {
  file: string;
  format: ExportFormat;
  basis: PriceBasis;
  assets: number;
  rows: number;
  bytes: number;
  /** The database login the bars were read as (the read-only one, when configured). */
  readAs: string;
}

/** Bars per fetch from the cursor: what the export holds in memory besides a Parquet row group. */
const CURSOR_ROWS = 5_000;

/**
 * Writes the stored bars of `request` to its output file, read through `readerUrl` in one read-only
 * snapshot (every asset as of the same moment), asset by asset from a server-side cursor, so memory
 * stays bounded however many bars. The file appears whole or not at all: Ctrl-C removes it.
 * @throws InputError for an unwritable output; InterruptedError after a stop signal.
 */
export async function exportPrices(
  readerUrl: string,
  request: PriceExportRequest,
  options: { progress: boolean },
): Promise<PriceExportSummary> {
  const reader = createSql(readerUrl, { max: 1, applicationName: 'market-data-export' });
  try {
    return await stoppable(async (signal) => {
      let counted = { assets: 0, rows: 0, readAs: '' };
      const written = await writeWhole('prices', request.output, async (file) => {
        counted = await reader.begin('isolation level repeatable read read only', (tx) =>
          streamBars(tx as unknown as Sql, file, request, signal, options.progress),
        );
      });
      return { ...written, ...counted, format: request.format, basis: request.basis };
    }, 'stopping the export; no file is written');
  } finally {
    await reader.end({ timeout: 5 });
  }
}

async function streamBars(
  tx: Sql,
  file: FileHandle,
  request: PriceExportRequest,
  signal: AbortSignal,
  showProgress: boolean,
): Promise<{ assets: number; rows: number; readAs: string }> {
  const assets = await exportAssets(tx, request.assets);
  const total = await countExportBars(
    tx,
    assets.map((a) => a.id),
    request,
  );
  const progress = exportProgress(showProgress, total);
  const sink = openSink(request.format, file);
  let rows = 0;
  try {
    for (const [i, asset] of assets.entries()) {
      const waitingFor = `reading ${asset.symbol} (asset ${i + 1} of ${assets.length}) from the database`;
      progress.update(rows, waitingFor);
      for await (const batch of exportBars(tx, asset, request, CURSOR_ROWS)) {
        if (signal.aborted) throw new InterruptedError(signal.reason as StopSignal, stoppedMessage(signal));
        await sink.write(batch);
        rows += batch.length;
        progress.update(rows, waitingFor);
      }
    }
    progress.update(rows, 'writing the file');
    await sink.finish();
  } finally {
    progress.stop();
  }
  if (signal.aborted) throw new InterruptedError(signal.reason as StopSignal, stoppedMessage(signal));
  return { assets: assets.length, rows, readAs: await sessionUser(tx) };
}

function stoppedMessage(signal: AbortSignal): string {
  return `prices: stopped by ${String(signal.reason)}; no file was written`;
}
