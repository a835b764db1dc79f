import type { Alert } from '#shared/domain/ports.ts';
import type { AssetFreshness } from './freshness.ts';

/** Stale assets named in the alert; the rest are counted (the log and `freshness` list them all). */
export const WORST_SHOWN = 10;

/** Stale assets per log line: 5,000 in one line would pass CloudWatch's 256 KB event limit. */
const ASSETS_PER_LOG_LINE = 500;

/**
 * Worst first: an asset with nothing stored, then the most sessions behind, then by symbol, so the
 * order is the same on every run.
 */
export function worstFirst(stale: readonly AssetFreshness[]): AssetFreshness[] {
  const behind = (a: AssetFreshness) => a.missingSessions ?? Number.POSITIVE_INFINITY;
  return [...stale].sort((a, b) => behind(b) - behind(a) || a.symbol.localeCompare(b.symbol));
}

/**
 * One summary alert for however many stale assets: the count, the count per calendar and the
 * WORST_SHOWN worst offenders, so it is always one Discord message (5,000 stale assets were once 50
 * posts, 20 of them dropped under Discord's rate limit).
 */
export function freshnessAlert(stale: readonly AssetFreshness[], total: number, autoRepair: boolean): Alert {
  const worst = worstFirst(stale).slice(0, WORST_SHOWN);
  const byCalendar = new Map<string, number>();
  for (const a of stale) byCalendar.set(a.calendar, (byCalendar.get(a.calendar) ?? 0) + 1);
  const calendars = [...byCalendar].map(([calendar, n]) => `${n} ${calendar}`).join(', ');
  const rest = stale.length - worst.length;
  return {
    title: `${stale.length} of ${total} assets are stale`,
    severity: 'warning',
    description: [
      `Stale by calendar: ${calendars}.`,
      rest > 0
        ? `The ${worst.length} furthest behind are listed; ${rest} more are in the log and in \`freshness\`.`
        : '',
      autoRepair ? 'A repair job has been started for the missing ranges.' : 'Backfill the missing ranges.',
    ]
      .filter((line) => line !== '')
      .join(' '),
    fields: worst.map((a) => ({
      name: a.symbol,
      value: `latest ${a.latest ?? 'none'}, expected ${a.expected} (${a.calendar})`,
    })),
  };
}

/** Every stale asset, worst first, as log entries of at most ASSETS_PER_LOG_LINE assets each. */
export function staleLogEntries(stale: readonly AssetFreshness[]): Record<string, unknown>[] {
  const sorted = worstFirst(stale);
  const entries: Record<string, unknown>[] = [];
  for (let i = 0; i < sorted.length; i += ASSETS_PER_LOG_LINE) {
    entries.push({
      stale: sorted.length,
      part: `${i / ASSETS_PER_LOG_LINE + 1}/${Math.ceil(sorted.length / ASSETS_PER_LOG_LINE)}`,
      assets: sorted
        .slice(i, i + ASSETS_PER_LOG_LINE)
        .map(
          (a) => `${a.symbol} ${a.latest ?? 'none'}..${a.expected} (${a.missingSessions ?? 'all'} missing)`,
        ),
    });
  }
  return entries;
}
