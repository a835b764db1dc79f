import { type CalendarId, getCalendar } from '#shared/calendars/index.ts';
import type { Sql } from '#shared/db/client.ts';
import { latestSessions } from '#shared/db/coverage.ts';
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
 * @throws CalendarRangeError when `now` is outside an asset's calendar.
 */
export async function assessFreshness(sql: Sql, now: Date): Promise<AssetFreshness[]> {
  // Once per calendar, not per asset: 5,000 assets made it a third of the check's time.
  const expectedOf = new Map<CalendarId, IsoDate>();
  return (await latestSessions(sql)).map((a): AssetFreshness => {
    const calendar = getCalendar(a.calendar);
    const expected = expectedOf.get(a.calendar) ?? calendar.expectedLastSession(now);
    expectedOf.set(a.calendar, expected);
    const stale = a.latest === null || a.latest < expected;
    const missingSessions = !stale
      ? 0
      : a.latest === null
        ? null
        : calendar.sessionsBetween(a.latest, expected).length - 1;
    const behind = a.delistingSuspectedAt ? 'SUSPECTED_DELISTED' : 'STALE';
    return {
      symbol: a.symbol,
      calendar: a.calendar,
      latest: a.latest,
      expected,
      status: stale ? behind : 'OK',
      missingSessions,
    };
  });
}
