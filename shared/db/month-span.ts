import type { IsoDate } from '#shared/domain/daily-bar.ts';

/**
 * A date range as asset_month_bars (migration 0013) stores it: the first and last month it touches and
 * the day bits (bit d-1 for day d) it covers in each; every month between is covered whole.
 */
export interface MonthSpan {
  firstMonth: IsoDate;
  lastMonth: IsoDate;
  /** The range's days in its first month (only those up to `end` when it ends in the same month). */
  firstMask: number;
  lastMask: number;
}

/** Bits 0-30: every day a month can have. */
export const WHOLE_MONTH = 0x7fff_ffff;

/** Bits `from`..`to` (0-based, inclusive) of a month's day mask; 0 when `to` < `from`. */
function dayBits(from: number, to: number): number {
  const upTo = to >= 30 ? WHOLE_MONTH : (1 << (to + 1)) - 1;
  return upTo & ~((1 << from) - 1);
}

/**
 * The months and day masks of [start, end], computed here so that the count's SQL compares a month
 * and picks a mask instead of doing date arithmetic for each of the 37 month rows of a chunk. An
 * empty range (end before start) covers no day.
 */
export function monthSpan(start: IsoDate, end: IsoDate): MonthSpan {
  const firstMonth = `${start.slice(0, 8)}01`;
  const lastMonth = `${end.slice(0, 8)}01`;
  const startDay = Number(start.slice(8, 10));
  const endDay = Number(end.slice(8, 10));
  return {
    firstMonth,
    lastMonth,
    firstMask: dayBits(startDay - 1, firstMonth === lastMonth ? endDay - 1 : 30),
    lastMask: dayBits(0, endDay - 1),
  };
}
