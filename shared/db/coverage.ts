import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { Sql } from './client.ts';
import { monthSpan } from './month-span.ts';

export interface LatestSessionGroup {
  calendar: 'XNYS' | 'XKRX' | '24/7';
  /** Null when nothing is stored yet. */
  latest: IsoDate | null;
  /** Whether the provider calls these long-known symbols unknown (delisting suspected). */
  delistingSuspected: boolean;
  /** In no particular order. */
  symbols: string[];
}

/**
 * Every active asset's latest stored session per source, from asset_coverage (kept exact by triggers
 * on prices_daily, migration 0003), as groups of the assets that share calendar, latest session and
 * delisting suspicion: an up-to-date universe is one group per calendar, so 5,000 assets come back in a
 * few rows (a row each cost the driver more than the query) and whatever is judged per latest session
 * is judged once per group. An asset stored from two sources is in a group per source (the caller
 * takes the later); one with nothing stored is in a group with `latest` null. One small join, however
 * many bars are stored.
 */
export async function latestSessionGroups(sql: Sql): Promise<LatestSessionGroup[]> {
  // Every coverage row, not a max per asset: that aggregate was a third of the statement's time.
  return sql<LatestSessionGroup[]>`
    SELECT a.calendar, c.latest_session AS latest,
           a.delisting_suspected_at IS NOT NULL AS delisting_suspected, array_agg(a.symbol) AS symbols
    FROM assets a LEFT JOIN asset_coverage c ON c.asset_id = a.id
    WHERE a.active
    GROUP BY 1, 2, 3`;
}

export interface StoredRange {
  assetId: number;
  start: IsoDate;
  end: IsoDate;
}

/**
 * Stored bars per asset and date range, in the order given: one statement for the whole list. Counted
 * from asset_month_bars (migration 0013), a day mask per asset, source and month: the bits of each of
 * the range's months that fall inside the range. Reads no bar, so the cost grows with the ranges asked
 * about (one short index range each), never with the bars stored.
 */
export async function countStoredBars(sql: Sql, ranges: readonly StoredRange[]): Promise<number[]> {
  if (ranges.length === 0) return [];
  const spans = ranges.map((r) => monthSpan(r.start, r.end));
  // Months inside the range count whole (2147483647 = WHOLE_MONTH); the first and last are masked.
  // Summed as int, not as bit_count's bigint (whose sum is numeric); one array back instead of a row
  // per range (50,000 rows cost the driver more than the count).
  const [row] = await sql<{ stored: number[] }[]>`
    SELECT array_agg((
             SELECT coalesce(sum(bit_count((b.days & CASE b.month WHEN r.first_month THEN r.first_mask
                                                                 WHEN r.last_month THEN r.last_mask
                                                                 ELSE 2147483647 END)::bit(32))::int), 0)::int
             FROM asset_month_bars b
             WHERE b.asset_id = r.asset_id AND b.month BETWEEN r.first_month AND r.last_month
           ) ORDER BY r.n) AS stored
    FROM unnest(${arrayLiteral(ranges.map((r) => r.assetId))}::int[],
                ${arrayLiteral(spans.map((s) => s.firstMonth))}::date[],
                ${arrayLiteral(spans.map((s) => s.lastMonth))}::date[],
                ${arrayLiteral(spans.map((s) => s.firstMask))}::int[],
                ${arrayLiteral(spans.map((s) => s.lastMask))}::int[])
         WITH ORDINALITY AS r(asset_id, first_month, last_month, first_mask, last_mask, n)`;
  return row?.stored ?? [];
}

/**
 * Numbers or ISO dates as one PostgreSQL array literal, sent as a single text parameter: the driver's
 * array serializer quotes and escapes each of 250,000 elements (a plan's five arrays), which cost
 * more CPU than the rest of the planner and a third of its garbage. Neither kind has a character to
 * escape, and anything malformed fails the server's cast instead of shifting the elements.
 */
function arrayLiteral(values: readonly (number | IsoDate)[]): string {
  return `{${values.join(',')}}`;
}

/**
 * Records, once, each of `sessions` (a market's calendar sessions over a job's range) for which every
 * active asset of `market` has its bar. Reads no bar: a session counts as complete when it lies inside
 * every active asset's stored coverage (asset_coverage) and no active asset has an open gap or rejected
 * bar there (quality_flags, kept by every ingest and cleared when the bar is stored). The cost grows
 * with the assets, the sessions asked about and their open flags, never with the bars stored: the
 * scan of prices_daily it replaces took 4.5 s on 5.5 M rows inside the announcement's claim.
 * A hole no ingest ever looked at (no task covered it, so no gap flag) is inside coverage and counts
 * as complete: backfills are contiguous per asset, and the freshness check finds the rest.
 * @returns the sessions newly found complete (already recorded ones are not returned again).
 */
export async function recordCompleteSessions(
  sql: Sql,
  market: string,
  sessions: readonly IsoDate[],
): Promise<{ sessionDate: IsoDate; assets: number }[]> {
  if (sessions.length === 0) return [];
  const recorded = await sql<{ sessionDate: IsoDate; assets: number }[]>`
    WITH active AS (SELECT id FROM assets WHERE active AND calendar = ${market}),
    span AS (
      SELECT a.id, min(c.first_session) AS first_session, max(c.latest_session) AS latest_session
      FROM active a LEFT JOIN asset_coverage c ON c.asset_id = a.id GROUP BY a.id
    ),
    bounds AS (
      SELECT max(first_session) AS lo, min(latest_session) AS hi, count(*)::int AS assets
      FROM span HAVING count(*) > 0 AND count(*) = count(latest_session)
    ),
    asked AS (SELECT DISTINCT s AS session_date FROM unnest(${sessions as string[]}::date[]) AS s),
    holes AS (
      SELECT DISTINCT q.session_date FROM quality_flags q JOIN active a ON a.id = q.asset_id
      WHERE q.kind IN ('gap', 'rejected_bar')
        AND q.session_date BETWEEN (SELECT min(session_date) FROM asked) AND (SELECT max(session_date) FROM asked)
    )
    INSERT INTO market_sessions (market, session_date, assets)
    SELECT ${market}, d.session_date, b.assets FROM asked d CROSS JOIN bounds b
    WHERE d.session_date BETWEEN b.lo AND b.hi
      AND NOT EXISTS (SELECT 1 FROM holes h WHERE h.session_date = d.session_date)
    ON CONFLICT DO NOTHING
    RETURNING session_date, assets`;
  return [...recorded].sort((a, b) => a.sessionDate.localeCompare(b.sessionDate));
}
