import type { Sql } from './client.ts';

export interface StorageSummary {
  calendar: string;
  activeAssets: number;
  bars: number;
  firstSession: string | null;
  lastSession: string | null;
}

/** Per calendar: active assets and the stored bars' count and date span. */
export async function storageSummary(sql: Sql): Promise<StorageSummary[]> {
  return sql<StorageSummary[]>`
    SELECT a.calendar,
           count(DISTINCT a.id) FILTER (WHERE a.active)::int AS active_assets,
           count(p.asset_id)::int AS bars,
           min(p.session_date) AS first_session,
           max(p.session_date) AS last_session
    FROM assets a LEFT JOIN prices_daily p ON p.asset_id = a.id
    GROUP BY a.calendar ORDER BY a.calendar`;
}
