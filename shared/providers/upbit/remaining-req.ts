import type { RateBudget } from '#shared/http/rate-budget.ts';

/**
 * `sec` (requests left in the current second) from `Remaining-Req: group=candles; min=600; sec=9`,
 * or null when the header is absent or unreadable. `min` is deprecated and fixed, so it is ignored.
 */
export function remainingThisSecond(header: string | null): number | null {
  const match = header?.match(/(?:^|;)\s*sec=(\d+)\s*(?:;|$)/i);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** A response observer that feeds Upbit's Remaining-Req hint into `budget`. */
export function feedRemainingReq(budget: RateBudget): (headers: Headers) => void {
  return (headers) => {
    const remaining = remainingThisSecond(headers.get('remaining-req'));
    if (remaining !== null) budget.observeRemaining(remaining);
  };
}
