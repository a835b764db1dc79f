import { getCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import {
  type CorporateAction,
  recordActionsRefresh,
  upsertCorporateActions,
} from '#shared/db/corporate-actions.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { dividendAsTraded, type Split } from '#shared/domain/price-basis.ts';
import { localDateAt } from '#shared/providers/dates.ts';
import type { ProviderDividend, ProviderSplit } from '#shared/providers/index.ts';
import type { PipelineDeps } from './deps.ts';

export type RefreshActionsResult =
  /** The provider has no corporate actions (Upbit): nothing fetched, nothing stored. */
  | { kind: 'unsupported' }
  /** The complete history was fetched and stored; `inserted` of them were new. */
  | { kind: 'refreshed'; splits: Split[]; inserted: number; actions: number }
  /** The fetch failed; recorded in corporate_action_refreshes.last_error and logged. */
  | { kind: 'failed'; reason: string };

/**
 * Fetches and stores an asset's complete split and dividend history: when it is first collected,
 * weekly, and whenever a fetch shows an action or a re-based history we do not know.
 * 1. Providers without corporate actions: nothing to do.
 * 2. One request for the whole listed range (see fetchActionHistory).
 * 3. Dividends re-scaled to as traded with that same response's splits; every action upserted.
 * 4. The attempt recorded (success with a count, or the reason), a metric and a log line on failure.
 * Never throws for a provider failure; a database failure throws.
 */
export async function refreshCorporateActions(
  deps: Pick<PipelineDeps, 'sql' | 'providers' | 'now' | 'log' | 'metrics'>,
  asset: Asset,
): Promise<RefreshActionsResult> {
  const provider = deps.providers[asset.provider];
  if (provider.fetchActionHistory === undefined) return { kind: 'unsupported' };
  const at = deps.now();
  const timezone = getCalendar(asset.calendar).timezone;
  const until = localDateAt(at.getTime() / 1000, timezone);
  const outcome = await provider.fetchActionHistory({ symbol: asset.providerSymbol, until, timezone });
  if (outcome.kind !== 'ok') {
    const reason = `${outcome.kind}: ${outcome.reason}`;
    await recordActionsRefresh(deps.sql, { assetId: asset.id, source: asset.provider, at, error: reason });
    deps.metrics.add('ActionRefreshesFailed', 1, { Provider: asset.provider });
    deps.log.warn('corporate action refresh failed', { symbol: asset.symbol, reason });
    return { kind: 'failed', reason };
  }
  const actions = asCorporateActions(asset, outcome, until);
  const inserted = await upsertCorporateActions(deps.sql, actions);
  await recordActionsRefresh(deps.sql, {
    assetId: asset.id,
    source: asset.provider,
    at,
    actions: actions.length,
  });
  return { kind: 'refreshed', splits: splitsOf(outcome.splits), inserted, actions: actions.length };
}

/** Provider splits in the domain shape (ex-date instead of session date). */
export function splitsOf(splits: readonly ProviderSplit[]): Split[] {
  return splits.map((s) => ({ exDate: s.sessionDate, numerator: s.numerator, denominator: s.denominator }));
}

/**
 * A provider's splits and dividends as rows to store: dividends as paid on their ex-date, un-applying
 * `knownSplits` plus the given splits that came after them (the provider's amounts are adjusted as of
 * `asOf`, the fetch date).
 */
export function asCorporateActions(
  asset: Asset,
  events: { splits: readonly ProviderSplit[]; dividends: readonly ProviderDividend[] },
  asOf: IsoDate,
  knownSplits: readonly Split[] = [],
): CorporateAction[] {
  const splits = mergeSplits(knownSplits, splitsOf(events.splits));
  return [
    ...events.splits.map(
      (s): CorporateAction => ({
        assetId: asset.id,
        exDate: s.sessionDate,
        kind: 'split',
        source: asset.provider,
        numerator: s.numerator,
        denominator: s.denominator,
        providerRecord: s.record ?? { ...s },
      }),
    ),
    ...events.dividends.map(
      (d): CorporateAction => ({
        assetId: asset.id,
        exDate: d.sessionDate,
        kind: 'dividend',
        source: asset.provider,
        amount: dividendAsTraded({ exDate: d.sessionDate, amount: d.amount }, splits, asOf).amount,
        currency: asset.currency,
        providerRecord: d.record ?? { ...d },
      }),
    ),
  ];
}

/** Both lists, one split per ex-date (the later list wins). */
export function mergeSplits(known: readonly Split[], fetched: readonly Split[]): Split[] {
  const byDate = new Map<IsoDate, Split>();
  for (const split of [...known, ...fetched]) byDate.set(split.exDate, split);
  return [...byDate.values()].sort((a, b) => a.exDate.localeCompare(b.exDate));
}
