import { getCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import { type ActionHistory, upsertCorporateActions } from '#shared/db/corporate-actions.ts';
import { toAsTraded } from '#shared/domain/price-basis.ts';
import { localDateAt } from '#shared/providers/dates.ts';
import type { FetchOutcome } from '#shared/providers/index.ts';
import type { PipelineDeps } from './deps.ts';
import {
  asCorporateActions,
  mergeSplits,
  refreshCorporateActions,
  splitsOf,
} from './refresh-corporate-actions.ts';

/** How long an asset's complete action history is trusted before a task fetches it again: weekly. */
export const ACTION_HISTORY_MAX_AGE_MS = 7 * 86_400_000;
/** After a failed refresh, tasks wait this long before trying again (one extra request a day at most). */
const RETRY_FAILED_REFRESH_MS = 86_400_000;

/**
 * A successful fetch with its bars turned to the stored basis, as traded (see toAsTraded).
 * 1. Providers without corporate actions (Upbit): the outcome unchanged, no query.
 * 2. The asset's stored split and dividend history, `history` (read as the task started, startIngest).
 * 3. Never fetched, older than a week, or the fetch shows an action we do not know: refresh the
 *    complete history (one request), and store the fetch's own actions too.
 * 4. Un-apply every later split from the bars; list every known split so validation mutes their moves.
 */
export async function onStoredBasis(
  deps: PipelineDeps,
  asset: Asset,
  outcome: FetchOutcome,
  history: ActionHistory,
): Promise<FetchOutcome> {
  if (outcome.kind !== 'ok' || deps.providers[asset.provider].fetchActionHistory === undefined)
    return outcome;
  const asOf = localDateAt(deps.now().getTime() / 1000, getCalendar(asset.calendar).timezone);
  let splits = history.splits;
  const unknown = hasUnknownAction(history, outcome);
  if (unknown || isDue(history, deps.now().getTime())) {
    const refreshed = await refreshCorporateActions(deps, asset);
    if (refreshed.kind === 'refreshed') splits = mergeSplits(splits, refreshed.splits);
  }
  // Stored even when the refresh failed: what this fetch reported is known now.
  if (unknown) await upsertCorporateActions(deps.sql, asCorporateActions(asset, outcome, asOf, splits));
  splits = mergeSplits(splits, splitsOf(outcome.splits));
  return {
    ...outcome,
    bars: toAsTraded(outcome.bars, splits, asOf),
    splits: splits.map((s) => ({
      sessionDate: s.exDate,
      numerator: s.numerator,
      denominator: s.denominator,
    })),
  };
}

function hasUnknownAction(history: ActionHistory, outcome: Extract<FetchOutcome, { kind: 'ok' }>): boolean {
  const splits = new Set(history.splits.map((s) => s.exDate));
  const dividends = new Set(history.dividends.map((d) => d.exDate));
  return (
    outcome.splits.some((s) => !splits.has(s.sessionDate)) ||
    outcome.dividends.some((d) => !dividends.has(d.sessionDate))
  );
}

function isDue(history: ActionHistory, nowMs: number): boolean {
  const fresh =
    history.refreshedAt !== null && nowMs - history.refreshedAt.getTime() < ACTION_HISTORY_MAX_AGE_MS;
  const triedLately =
    history.attemptedAt !== null && nowMs - history.attemptedAt.getTime() < RETRY_FAILED_REFRESH_MS;
  return !fresh && !triedLately;
}
