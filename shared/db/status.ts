import type { Sql } from './client.ts';

export interface StorageSummary {
  calendar: string;
  activeAssets: number;
  bars: number;
  firstSession: string | null;
  lastSession: string | null;
}

/**
 * Per calendar: active assets and the stored bars' count and date span, from asset_month_bars' day
 * masks and asset_coverage (kept exact by triggers on prices_daily): it reads no bar, however many are stored.
 */
export async function storageSummary(sql: Sql): Promise<StorageSummary[]> {
  return sql<StorageSummary[]>`
    SELECT a.calendar,
           count(*) FILTER (WHERE a.active)::int AS active_assets,
           coalesce(sum(b.bars), 0)::int AS bars,
           min(c.first_session) AS first_session,
           max(c.latest_session) AS last_session
    FROM assets a
    LEFT JOIN (SELECT asset_id, sum(bit_count(days::bit(32))) AS bars FROM asset_month_bars GROUP BY 1) b
      ON b.asset_id = a.id
    LEFT JOIN (SELECT asset_id, min(first_session) AS first_session, max(latest_session) AS latest_session
               FROM asset_coverage GROUP BY 1) c ON c.asset_id = a.id
    GROUP BY a.calendar ORDER BY a.calendar`;
}
