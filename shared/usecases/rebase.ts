import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { restateBars } from '#shared/db/price-revisions.ts';
import { type UpsertResult, upsertDailyBars } from '#shared/db/prices.ts';
import type { QualityFlag } from '#shared/db/quality-flags.ts';
import type { StoredClose } from '#shared/db/task-start.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import type { JobTask } from '#shared/domain/job.ts';
import { detectRebase, type KnownSplit, type Rebase } from '#shared/validation/detect-rebase.ts';
import type { PipelineDeps } from './deps.ts';
import { refreshCorporateActions } from './refresh-corporate-actions.ts';

export interface RebaseCheck {
  rebase: Rebase | null;
  flags: QualityFlag[];
  /**
   * Set when the refresh found a split this fetch was converted without: the bars are on a wrong basis,
   * so nothing is restated; the task is retried and converts them with the complete history.
   */
  retry?: string;
}

/**
 * Before storing re-fetched bars: are they on another basis than the stored ones, by a split-like ratio
 * no known split explains? If so: a `rebased` flag, a log line and a metric, and the asset's corporate
 * actions are refreshed. If that reveals a split this fetch did not know, the bars were converted on a
 * wrong basis: `retry` says so and nothing is flagged. Otherwise storeBars restates the history.
 * `known` are the splits known for the asset (today the provider's events in the fetched range);
 * `stored` the asset's stored closes of its provider over (at least) the bars' dates, oldest first.
 */
export async function checkRebase(
  deps: PipelineDeps,
  asset: Asset,
  task: JobTask,
  bars: readonly DailyBar[],
  known: readonly KnownSplit[],
  stored: readonly StoredClose[],
): Promise<RebaseCheck> {
  const first = bars[0];
  const last = bars.at(-1);
  if (!first || !last) return { rebase: null, flags: [] };
  const inRange = stored.filter(
    (s) => s.sessionDate >= first.sessionDate && s.sessionDate <= last.sessionDate,
  );
  const rebase = detectRebase(inRange, bars, known);
  if (!rebase) return { rebase: null, flags: [] };
  const ratio = `${rebase.numerator}:${rebase.denominator}`;
  deps.log.warn('history re-based', { taskId: task.id, jobId: task.jobId, symbol: asset.symbol, ...rebase });
  deps.metrics.add('HistoriesRebased', 1, { Provider: asset.provider });
  const refreshed = await refreshCorporateActions(deps, asset);
  const known_ = new Set(known.map((k) => k.sessionDate));
  const revealed =
    refreshed.kind === 'refreshed' ? refreshed.splits.filter((s) => !known_.has(s.exDate)) : [];
  if (revealed.length > 0) {
    const which = revealed.map((s) => `${s.numerator}:${s.denominator} on ${s.exDate}`).join(', ');
    return {
      rebase: null,
      flags: [],
      retry: `re-based by a split unknown until now (${which}); retried on the complete history`,
    };
  }
  const flag: QualityFlag = {
    assetId: asset.id,
    sessionDate: rebase.through,
    kind: 'rebased',
    reason: `${asset.provider} re-based ${rebase.sessions} sessions ${rebase.from}..${rebase.through} by ${ratio} with no known split; history restated`,
    detail: { ...rebase },
    jobId: task.jobId,
  };
  return { rebase, flags: [flag] };
}

/**
 * The findings a re-basing makes false: the first fetched bar's move is measured against the stored bar
 * before the range, which is on the old basis until the restatement.
 */
export function withoutRebaseArtifacts(
  flags: readonly QualityFlag[],
  check: RebaseCheck,
  bars: readonly DailyBar[],
): QualityFlag[] {
  const first = bars[0]?.sessionDate;
  const kept = check.rebase
    ? flags.filter((f) => !(f.kind === 'large_move' && f.sessionDate === first))
    : flags;
  return [...kept, ...check.flags];
}

/**
 * Stores validated bars with their task as the revision context. After a re-basing, the bars are the
 * restatement (cause 'rebase') and every stored bar before them is put on the same basis, so the whole
 * history agrees; each restated bar is one revision.
 */
export async function storeBars(
  tx: Sql,
  input: { asset: Asset; task: JobTask; bars: readonly DailyBar[]; rebase: Rebase | null },
): Promise<UpsertResult & { restated: number }> {
  const { asset, task, bars, rebase } = input;
  const context = { jobId: task.jobId, taskId: task.id, cause: rebase ? 'rebase' : 'revision' } as const;
  const result = await upsertDailyBars(tx, bars, context);
  const first = bars[0];
  if (!rebase || !first) return { ...result, restated: 0 };
  const restated = await restateBars(
    tx,
    {
      assetId: asset.id,
      source: asset.provider,
      before: first.sessionDate,
      numerator: rebase.numerator,
      denominator: rebase.denominator,
    },
    context,
  );
  return { ...result, restated };
}
