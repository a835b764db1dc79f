import { z } from 'zod';

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
