import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { MarketServer } from '#shared/market-server/index.ts';

/** Stored bars against what the market server publishes for the same assets and range. */
export interface Reconciliation {
  /** Bars the server publishes: every session of each asset's calendar in range, from its history start. */
  expected: number;
  stored: number;
  /** Published but not stored: a lost bar. */
  missing: number;
  /** (asset, session) pairs stored more than once (under two sources: the key forbids anything else). */
  duplicated: number;
  /** Stored but never published: a bar on a non-session, or for the wrong asset. */
  unexpected: number;
  /** Stored with other prices or volume than published. */
  mismatched: number;
}

const COLUMNS = 'asset_id, session_date, source, open, high, low, close, adj_close, volume';

/**
 * Compares `prices_daily` with the bars `server` serves for `assets` over [start, end]: the expected
 * bars are copied into a temporary table (asset by asset, so memory stays flat) and both sides are
 * counted in one query.
 */
export async function reconcileBars(
  sql: Sql,
  server: MarketServer,
  assets: readonly Asset[],
  range: { start: IsoDate; end: IsoDate },
): Promise<Reconciliation> {
  const lines = function* () {
    for (const asset of assets) {
      const bars = server.tradedBarsFor(asset.provider, asset.providerSymbol, range.start, range.end);
      yield bars
        .map(
          (b) =>
            `${asset.id}\t${b.sessionDate}\t${asset.provider}\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${b.adjClose ?? '\\N'}\t${b.volume}\n`,
        )
        .join('');
    }
  };
  const result = await sql.begin(async (tx) => {
    await tx.unsafe(`CREATE TEMP TABLE soak_expected (LIKE prices_daily INCLUDING DEFAULTS) ON COMMIT DROP`);
    const sink = await tx.unsafe(`COPY soak_expected (${COLUMNS}) FROM STDIN`).writable();
    await pipeline(Readable.from(lines()), sink);
    await tx.unsafe('ANALYZE soak_expected');
    return tx.unsafe<Reconciliation[]>(`
      SELECT
        (SELECT count(*) FROM soak_expected)::int AS expected,
        (SELECT count(*) FROM prices_daily)::int AS stored,
        (SELECT count(*) FROM soak_expected e WHERE NOT EXISTS (
           SELECT 1 FROM prices_daily p
           WHERE (p.asset_id, p.session_date, p.source) = (e.asset_id, e.session_date, e.source)))::int AS missing,
        (SELECT count(*) FROM (
           SELECT 1 FROM prices_daily GROUP BY asset_id, session_date HAVING count(*) > 1) d)::int AS duplicated,
        (SELECT count(*) FROM prices_daily p WHERE NOT EXISTS (
           SELECT 1 FROM soak_expected e
           WHERE (e.asset_id, e.session_date, e.source) = (p.asset_id, p.session_date, p.source)))::int AS unexpected,
        (SELECT count(*) FROM prices_daily p JOIN soak_expected e USING (asset_id, session_date, source)
         WHERE (p.open, p.high, p.low, p.close, p.adj_close, p.volume)
           IS DISTINCT FROM (e.open, e.high, e.low, e.close, e.adj_close, e.volume))::int AS mismatched`);
  });
  const [counts] = result as unknown as Reconciliation[];
  if (!counts) throw new Error('soak: the reconciliation query returned no row');
  return counts;
}
