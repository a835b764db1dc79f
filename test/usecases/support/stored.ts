import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import type { MarketBar, MarketServer } from '#shared/market-server/index.ts';

/** An asset's stored bars in the market server's shape (numeric columns back to numbers). */
export async function storedBars(sql: Sql, assetId: number): Promise<MarketBar[]> {
  const rows = await sql<
    {
      sessionDate: string;
      open: string;
      high: string;
      low: string;
      close: string;
      adjClose: string | null;
      volume: string;
    }[]
  >`SELECT session_date, open, high, low, close, adj_close, volume FROM prices_daily
    WHERE asset_id = ${assetId} ORDER BY session_date`;
  return rows.map((r) => ({
    sessionDate: r.sessionDate,
    open: Number(r.open),
    high: Number(r.high),
    low: Number(r.low),
    close: Number(r.close),
    adjClose: r.adjClose === null ? null : Number(r.adjClose),
    volume: Number(r.volume),
  }));
}

/** Stores what the market server serves for `asset` over [start, end], as an ingest would. */
export async function storeServedBars(
  sql: Sql,
  server: MarketServer,
  asset: Asset,
  start: string,
  end: string,
): Promise<MarketBar[]> {
  const bars = server.barsFor(asset.provider, asset.providerSymbol, start, end);
  await upsertDailyBars(
    sql,
    bars.map((b) => ({ ...b, assetId: asset.id, source: asset.provider })),
  );
  return bars;
}
