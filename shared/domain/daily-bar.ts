import * as z from './zod.ts';

/** A calendar date `YYYY-MM-DD` (a session date is exchange-local, never derived from a UTC instant). */
export const isoDateSchema = z.iso.date();
export type IsoDate = z.infer<typeof isoDateSchema>;

/** One day of OHLCV for one asset from one source, as stored in `prices_daily`. */
export interface DailyBar {
  assetId: number;
  sessionDate: IsoDate;
  source: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adjClose: number | null;
  volume: number;
}

/**
 * One session's prices before an asset id and source are attached: what a provider returns, what
 * validation checks and what the local market server serves.
 */
export type BarValues = Omit<DailyBar, 'assetId' | 'source'>;

/**
 * `bars` as rows of `prices_daily`: the asset id and source attached. One object literal per bar,
 * not a spread of it, which copies several times slower and runs for every bar of every task.
 */
export function asDailyBars(bars: readonly BarValues[], assetId: number, source: string): DailyBar[] {
  const rows: DailyBar[] = [];
  for (const bar of bars) {
    rows.push({
      assetId,
      sessionDate: bar.sessionDate,
      source,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      adjClose: bar.adjClose,
      volume: bar.volume,
    });
  }
  return rows;
}
