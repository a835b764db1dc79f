import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { PriceBasis } from './adjusted-prices.ts';
import type { Sql } from './client.ts';

/**
 * One exported bar, every number as PostgreSQL's own numeric text without trailing zeros (the stored
 * decimal for basis none; its exact product with the factor otherwise), so CSV and JSON add no float
 * rounding.
 */
export interface ExportBar {
  symbol: string;
  sessionDate: IsoDate;
  source: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  factor: string;
}

export interface ExportAsset {
  id: number;
  symbol: string;
}

/** The assets to export, by symbol: the named ones, or every stored asset (active or not). */
export async function exportAssets(sql: Sql, symbols?: readonly string[]): Promise<ExportAsset[]> {
  return sql<ExportAsset[]>`
    SELECT id, symbol FROM assets
    WHERE ${symbols === undefined} OR symbol = ANY(${(symbols ?? []) as string[]}::text[])
    ORDER BY symbol`;
}

/**
 * One asset's bars on `basis`, by session then source, in batches of `batchRows` from a server-side
 * cursor: memory holds one batch, however long the range. Run it inside a transaction (the export's
 * snapshot); the cursor ends when the loop over it does.
 */
export function exportBars(
  sql: Sql,
  asset: ExportAsset,
  query: { start: IsoDate; end: IsoDate; basis: PriceBasis },
  batchRows: number,
): AsyncIterable<ExportBar[]> {
  return sql<ExportBar[]>`
    SELECT ${asset.symbol}::text AS symbol, p.session_date, p.source, trim_scale(p.open) AS open,
           trim_scale(p.high) AS high, trim_scale(p.low) AS low, trim_scale(p.close) AS close,
           trim_scale(p.volume) AS volume, trim_scale(p.factor) AS factor
    FROM adjusted_prices(${asset.id}::integer, ${query.start}::date, ${query.end}::date, ${query.basis}::text) p
    ORDER BY p.session_date, p.source`.cursor(batchRows);
}

/** How many bars the export will write (the progress bar's total): one index range scan per asset. */
export async function countExportBars(
  sql: Sql,
  assetIds: readonly number[],
  range: { start: IsoDate; end: IsoDate },
): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::bigint AS n FROM prices_daily
    WHERE asset_id = ANY(${assetIds as number[]}::integer[])
      AND session_date BETWEEN ${range.start}::date AND ${range.end}::date`;
  return row?.n ?? 0;
}

/** The login this session reads as (the summary says so: the read-only one, when configured). */
export async function sessionUser(sql: Sql): Promise<string> {
  const [row] = await sql<{ user: string }[]>`SELECT session_user AS user`;
  return row?.user ?? '';
}
