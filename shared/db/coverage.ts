import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { Sql } from './client.ts';

export interface LatestSession {
  assetId: number;
  symbol: string;
  calendar: 'XNYS' | 'XKRX' | '24/7';
  /** Null when nothing is stored yet. */
  latest: IsoDate | null;
  /** Since when the provider calls this long-known symbol unknown; null when it does not. */
  delistingSuspectedAt: Date | null;
}

/**
 * The latest stored session of every active asset, from asset_coverage (kept exact by triggers on
 * prices_daily, migration 0003): one small join, however many bars are stored.
 */
export async function latestSessions(sql: Sql): Promise<LatestSession[]> {
  return sql<LatestSession[]>`
    SELECT a.id AS asset_id, a.symbol, a.calendar, c.latest, a.delisting_suspected_at
    FROM assets a
    LEFT JOIN (SELECT asset_id, max(latest_session) AS latest FROM asset_coverage GROUP BY asset_id) c
      ON c.asset_id = a.id
    WHERE a.active ORDER BY a.symbol`;
}

/** The stored bar just before `date`, for close-to-close checks across a chunk boundary. */
export async function barBefore(
  sql: Sql,
  assetId: number,
  date: IsoDate,
): Promise<{ sessionDate: IsoDate; close: number } | undefined> {
  const [bar] = await sql<{ sessionDate: IsoDate; close: number }[]>`
    SELECT session_date, close::float8 AS close FROM prices_daily
    WHERE asset_id = ${assetId} AND session_date < ${date}
    ORDER BY session_date DESC LIMIT 1`;
  return bar;
}

export interface StoredRange {
  assetId: number;
  start: IsoDate;
  end: IsoDate;
}

/** Stored bars per asset and date range, in the order given: one statement for the whole list. */
export async function countStoredBars(sql: Sql, ranges: readonly StoredRange[]): Promise<number[]> {
  if (ranges.length === 0) return [];
  const rows = await sql<{ stored: number }[]>`
    SELECT (SELECT count(*)::int FROM prices_daily p
            WHERE p.asset_id = r.asset_id AND p.session_date BETWEEN r.start_date AND r.end_date) AS stored
    FROM unnest(${ranges.map((r) => r.assetId)}::int[], ${ranges.map((r) => r.start)}::date[],
                ${ranges.map((r) => r.end)}::date[]) WITH ORDINALITY AS r(asset_id, start_date, end_date, n)
    ORDER BY r.n`;
  return rows.map((r) => r.stored);
}

/**
 * Records, once, each session in [start, end] for which every active asset of `market` has its bar.
 * @returns the sessions newly found complete (already recorded ones are not returned again).
 */
export async function recordCompleteSessions(
  sql: Sql,
  market: string,
  start: IsoDate,
  end: IsoDate,
): Promise<{ sessionDate: IsoDate; assets: number }[]> {
  return sql<{ sessionDate: IsoDate; assets: number }[]>`
    WITH active AS (SELECT id FROM assets WHERE active AND calendar = ${market}),
    complete AS (
      SELECT p.session_date, count(DISTINCT p.asset_id)::int AS assets
      FROM prices_daily p JOIN active a ON a.id = p.asset_id
      WHERE p.session_date BETWEEN ${start} AND ${end}
      GROUP BY p.session_date
      HAVING count(DISTINCT p.asset_id) = (SELECT count(*) FROM active)
    )
    INSERT INTO market_sessions (market, session_date, assets)
    SELECT ${market}, session_date, assets FROM complete
    ON CONFLICT DO NOTHING
    RETURNING session_date, assets`;
}
