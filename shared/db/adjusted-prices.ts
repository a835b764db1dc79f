import type { DailyBar, IsoDate } from '#shared/domain/daily-bar.ts';
import type { Sql } from './client.ts';

/** none: as traded (as stored); splits: split-adjusted; total: split- and dividend-adjusted (CRSP-style). */
export type PriceBasis = 'none' | 'splits' | 'total';

export const PRICE_BASES: readonly PriceBasis[] = ['none', 'splits', 'total'];

/** One stored bar on the asked basis, as of every stored corporate action. */
export interface AdjustedBar extends Omit<DailyBar, 'assetId' | 'adjClose'> {
  symbol: string;
  /** What the as-traded prices were multiplied by (1 for none). */
  factor: number;
}

/**
 * Stored bars of the named assets in [start, end] on `basis`, by symbol then session, through the
 * database's `adjusted_prices` function (so analysts in SQL and this code read the same numbers).
 * Unknown symbols have no rows.
 */
export async function adjustedPrices(
  sql: Sql,
  query: { symbols: readonly string[]; start: IsoDate; end: IsoDate; basis: PriceBasis },
): Promise<AdjustedBar[]> {
  return sql<AdjustedBar[]>`
    SELECT a.symbol, p.session_date, p.source, p.open::float8 AS open, p.high::float8 AS high,
           p.low::float8 AS low, p.close::float8 AS close, p.volume::float8 AS volume,
           p.factor::float8 AS factor
    FROM assets a
    CROSS JOIN LATERAL adjusted_prices(a.id, ${query.start}::date, ${query.end}::date, ${query.basis}) p
    WHERE a.symbol = ANY(${query.symbols as string[]}::text[])
    ORDER BY a.symbol, p.session_date, p.source`;
}
