import { getCalendar } from '#shared/calendars/index.ts';
import { latestSessions } from '#shared/db/coverage.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { PipelineDeps } from './deps.ts';
import { type BackfillResult, planBackfill } from './plan-backfill.ts';

export interface AssetFreshness {
  symbol: string;
  calendar: string;
  latest: IsoDate | null;
  expected: IsoDate;
  status: 'OK' | 'STALE';
  /** Sessions between the latest stored one and the expected one. */
  missingSessions: number;
}

export interface FreshnessReport {
  checkedAt: string;
  ok: number;
  stale: number;
  assets: AssetFreshness[];
  repairJobId?: number;
}

/** How far back a repair reaches for an asset with no data at all. */
const EMPTY_ASSET_REPAIR_SESSIONS = 7;

/**
 * Freshness check.
 * 1. Per active asset: its latest stored session against the last session its calendar says is complete.
 * 2. Summarise OK / STALE and publish the stale count as a metric.
 * 3. Stale assets: one alert listing them (never fails the check).
 * 4. When auto-repair is on: a repair job for each stale asset's missing range.
 */
export async function checkFreshness(deps: PipelineDeps): Promise<FreshnessReport> {
  const now = deps.now();
  const assets = (await latestSessions(deps.sql)).map((a): AssetFreshness => {
    const calendar = getCalendar(a.calendar);
    const expected = calendar.expectedLastSession(now);
    const stale = a.latest === null || a.latest < expected;
    const missingSessions = !stale
      ? 0
      : a.latest === null
        ? Number.NaN
        : calendar.sessionsBetween(a.latest, expected).length - 1;
    return {
      symbol: a.symbol,
      calendar: a.calendar,
      latest: a.latest,
      expected,
      status: stale ? 'STALE' : 'OK',
      missingSessions,
    };
  });
  const stale = assets.filter((a) => a.status === 'STALE');
  deps.metrics.add('StaleAssets', stale.length);
  const report: FreshnessReport = {
    checkedAt: now.toISOString(),
    ok: assets.length - stale.length,
    stale: stale.length,
    assets,
  };
  if (stale.length === 0) return report;
  await deps.alerter.send({
    title: `${stale.length} of ${assets.length} assets are stale`,
    severity: 'warning',
    description: deps.settings.autoRepair
      ? 'A repair job has been started for the missing ranges.'
      : 'Backfill the missing ranges.',
    fields: stale.map((a) => ({
      name: a.symbol,
      value: `latest ${a.latest ?? 'none'}, expected ${a.expected} (${a.calendar})`,
    })),
  });
  if (deps.settings.autoRepair) report.repairJobId = (await repair(deps, stale)).jobId ?? undefined;
  return report;
}

async function repair(deps: PipelineDeps, stale: AssetFreshness[]): Promise<BackfillResult> {
  const start = stale
    .map((a) => {
      const calendar = getCalendar(a.calendar as 'XNYS');
      if (a.latest) return calendar.nextSession(a.latest);
      let first = a.expected;
      for (let i = 1; i < EMPTY_ASSET_REPAIR_SESSIONS; i++) first = calendar.previousSession(first);
      return first;
    })
    .sort()[0] as IsoDate;
  const end = stale
    .map((a) => a.expected)
    .sort()
    .at(-1) as IsoDate;
  return planBackfill(deps, { start, end, assets: stale.map((a) => a.symbol), skipExisting: true }, 'repair');
}
