import type { ExchangeCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import { suspectDelisting } from '#shared/db/listing.ts';
import { recordQualityFlags } from '#shared/db/quality-flags.ts';
import type { BarValues, IsoDate } from '#shared/domain/daily-bar.ts';
import type { JobTask } from '#shared/domain/job.ts';
import type { PipelineDeps } from './deps.ts';

/** The sessions an asset can have in [start, end]: none before its listing nor after its delisting. */
export function listedSessions(
  calendar: ExchangeCalendar,
  asset: Pick<Asset, 'listedOn' | 'delistedOn'>,
  start: IsoDate,
  end: IsoDate,
): IsoDate[] {
  const from = asset.listedOn && asset.listedOn > start ? asset.listedOn : start;
  const to = asset.delistedOn && asset.delistedOn < end ? asset.delistedOn : end;
  return from > to ? [] : calendar.sessionsBetween(from, to);
}

/**
 * What noteAnswered stores and returns after an answer, worked out without asking: the listing date the
 * provider told (never after `earliestBar` nor after `firstStored`, the asset's first stored session),
 * else the one stored. `changed` says whether noteAnswered has anything to write (a new listing date, or
 * a delisting suspicion to lift); when not, it need not run.
 */
export function listingAfterAnswer(
  asset: Pick<Asset, 'listedOn' | 'delistingSuspectedAt'>,
  told: { firstSession?: IsoDate; earliestBar?: IsoDate },
  firstStored: IsoDate | null,
): { listedOn: IsoDate | null; changed: boolean } {
  let listedOn = asset.listedOn;
  if (told.firstSession !== undefined) {
    const candidates = [told.firstSession, told.earliestBar, firstStored ?? undefined];
    listedOn = candidates.filter((d): d is IsoDate => d !== undefined).sort()[0] as IsoDate;
  }
  return { listedOn, changed: listedOn !== asset.listedOn || asset.delistingSuspectedAt !== null };
}

/**
 * A provider calling a long-known symbol (one with stored bars) unknown - Yahoo's "No data found,
 * symbol may be delisted" - is most likely a delisting, not a failure to retry every day: the asset is
 * marked (freshness reports it apart from the stale ones), a suspected_delisted flag is recorded on its
 * latest stored session, and a log line and metric go out.
 * @returns false for a symbol with no stored bar: that is a wrong symbol, and the task fails as before.
 */
export async function noteSuspectedDelisting(
  deps: PipelineDeps,
  asset: Asset,
  task: JobTask,
  reason: string,
): Promise<boolean> {
  const latest = await suspectDelisting(deps.sql, asset.id);
  if (latest === null) return false;
  await recordQualityFlags(deps.sql, [
    {
      assetId: asset.id,
      sessionDate: latest,
      kind: 'suspected_delisted',
      reason: `${asset.provider} no longer knows ${asset.providerSymbol} (${reason}); mark it delisted in the universe or rename it`,
      detail: { providerSymbol: asset.providerSymbol, reason },
      jobId: task.jobId,
    },
  ]);
  deps.metrics.add('SuspectedDelisted', 1, { Provider: asset.provider });
  deps.log.warn('asset suspected delisted', { taskId: task.id, symbol: asset.symbol, reason });
  return true;
}

/** A closed-day bar as a quality finding, its values kept in the detail. */
export function closedDayFlags(asset: Asset, task: JobTask, bars: readonly BarValues[]) {
  return bars.map((bar) => ({
    assetId: asset.id,
    sessionDate: bar.sessionDate,
    kind: 'closed_day_bar' as const,
    reason: `${asset.provider} sent a bar for ${bar.sessionDate}, a day ${asset.calendar} is closed; not stored`,
    detail: { ...bar },
    jobId: task.jobId,
  }));
}
