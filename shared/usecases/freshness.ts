import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import type { Sql } from '#shared/db/client.ts';
import { latestSessionGroups } from '#shared/db/coverage.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { PipelineDeps } from './deps.ts';
import { freshnessAlert, staleLogEntries } from './freshness-alert.ts';
import { type BackfillResult, planRepair } from './plan-backfill.ts';

export interface AssetFreshness {
  symbol: string;
  calendar: string;
  latest: IsoDate | null;
  expected: IsoDate;
  /** SUSPECTED_DELISTED: behind, but the provider no longer knows the symbol; not counted stale. */
  status: 'OK' | 'STALE' | 'SUSPECTED_DELISTED';
  /** Sessions between the latest stored one and the expected one; null when nothing is stored. */
  missingSessions: number | null;
}

export interface FreshnessReport {
  checkedAt: string;
  ok: number;
  stale: number;
  /** Behind because the provider no longer knows them (see docs/OPERATIONS.md, delisting). */
  suspectedDelisted: number;
  assets: AssetFreshness[];
  repairJobId?: number;
}

/** How far back a repair reaches for an asset with no data at all. */
const EMPTY_ASSET_REPAIR_SESSIONS = 7;

/**
 * Freshness check.
 * 1. Per active asset: its latest stored session against the last session its calendar says is complete.
 * 2. Summarise OK / STALE and publish the stale count as a metric.
 * 3. Stale assets: every one in the log, and one summary alert with the count and the worst
 *    offenders (never fails the check).
 * 4. When auto-repair is on: a repair job for each stale asset's missing range.
 */
export async function checkFreshness(deps: PipelineDeps): Promise<FreshnessReport> {
  const now = deps.now();
  const assets = await assessFreshness(deps.sql, now);
  const stale = assets.filter((a) => a.status === 'STALE');
  const suspected = assets.filter((a) => a.status === 'SUSPECTED_DELISTED').length;
  deps.metrics.add('StaleAssets', stale.length);
  const report: FreshnessReport = {
    checkedAt: now.toISOString(),
    ok: assets.length - stale.length - suspected,
    stale: stale.length,
    suspectedDelisted: suspected,
    assets,
  };
  if (stale.length === 0) return report;
  for (const entry of staleLogEntries(stale)) deps.log.warn('stale assets', entry);
  await deps.alerter.send(freshnessAlert(stale, assets.length, deps.settings.autoRepair));
  if (deps.settings.autoRepair) report.repairJobId = (await repair(deps, stale)).jobId ?? undefined;
  return report;
}

/** Each stale asset from the session after its latest stored one (or its last week) to the expected one. */
async function repair(deps: PipelineDeps, stale: AssetFreshness[]): Promise<BackfillResult> {
  return planRepair(
    deps,
    stale.map((a) => {
      const calendar = getCalendar(a.calendar as CalendarId);
      let start: IsoDate;
      if (a.latest) {
        start = calendar.nextSession(a.latest);
      } else {
        start = a.expected;
        for (let i = 1; i < EMPTY_ASSET_REPAIR_SESSIONS; i++) start = calendar.previousSession(start);
      }
      return { symbol: a.symbol, start, end: a.expected };
    }),
  );
}

/**
 * Step 1 alone, with no metric, log line or alert: what the console shows every few seconds. Reads only.
 * Assets come in symbol order.
 * @throws CalendarRangeError when `now` is outside an asset's calendar.
 */
export async function assessFreshness(sql: Sql, now: Date): Promise<AssetFreshness[]> {
  // Once per calendar and per group of assets sharing a latest session, not per asset: at 5,000
  // assets the per-asset calendar work was a third of the check's time.
  const expectedOf = new Map<CalendarId, IsoDate>();
  const assets: AssetFreshness[] = [];
  for (const group of await latestSessionGroups(sql)) {
    const calendar = getCalendar(group.calendar);
    const expected = expectedOf.get(group.calendar) ?? calendar.expectedLastSession(now);
    expectedOf.set(group.calendar, expected);
    const { latest } = group;
    const stale = latest === null || latest < expected;
    const missingSessions = !stale
      ? 0
      : latest === null
        ? null
        : calendar.sessionsBetween(latest, expected).length - 1;
    const behind = group.delistingSuspected ? 'SUSPECTED_DELISTED' : 'STALE';
    const status = stale ? behind : 'OK';
    for (const symbol of group.symbols) {
      assets.push({ symbol, calendar: group.calendar, latest, expected, status, missingSessions });
    }
  }
  assets.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return latestSourceOnly(assets);
}

/** An asset stored from two sources is listed once per source, next to each other once sorted: keep its latest. */
function latestSourceOnly(sorted: AssetFreshness[]): AssetFreshness[] {
  let kept = 0;
  for (const asset of sorted) {
    const previous = sorted[kept - 1];
    if (previous?.symbol !== asset.symbol) sorted[kept++] = asset;
    else if ((previous.latest ?? '') < (asset.latest ?? '')) sorted[kept - 1] = asset;
  }
  sorted.length = kept;
  return sorted;
}
