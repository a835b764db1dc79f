import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { FetchOutcome } from '#shared/providers/index.ts';

/**
 * A provider's answer with no bars for a range in which the asset trades: a retryable failure, not a
 * silent success of 0 rows. The asset is taken to trade on every calendar session of the range from
 * its listing date on; without a listing date (issue 10 adds them), on every session of the range.
 * So a range entirely before the listing expects nothing and an empty answer for it is a success;
 * until listing dates are known, such a range fails visibly (and --retry-failed can retry it).
 * @returns the failure to act on, or undefined when the answer has bars or none were expected.
 */
export function emptyAnswerFailure(
  answer: { bars: readonly unknown[]; context: string },
  sessions: readonly IsoDate[],
  listedOn?: IsoDate,
): Extract<FetchOutcome, { kind: 'failed' }> | undefined {
  if (answer.bars.length > 0) return undefined;
  const expected = listedOn === undefined ? sessions : sessions.filter((s) => s >= listedOn);
  if (expected.length === 0) return undefined;
  return {
    kind: 'failed',
    retryable: true,
    reason: `${answer.context}: the provider answered no bars for ${expected.length} sessions the calendar has (${expected[0]}..${expected.at(-1)})`,
  };
}
