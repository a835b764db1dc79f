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
