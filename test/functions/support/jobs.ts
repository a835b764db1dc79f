import { listAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { createJob } from '#shared/db/jobs.ts';
import type { JobRun, JobTask } from '#shared/domain/job.ts';

/**
 * A backfill job of one task per symbol over [start, end], as planBackfill records it, with its tasks
 * in the order of `symbols`.
 */
export async function backfillJob(
  sql: Sql,
  symbols: readonly string[],
  start: string,
  end: string,
): Promise<{ job: JobRun; tasks: JobTask[] }> {
  const assets = await listAssets(sql, { symbols });
  const ordered = symbols.map((symbol) => {
    const asset = assets.find((a) => a.symbol === symbol);
    if (!asset) throw new Error(`test setup: asset ${symbol} is not in the database`);
    return asset;
  });
  return createJob(sql, {
    kind: 'backfill',
    rangeStart: start,
    rangeEnd: end,
    assets: [...symbols],
    request: { start, end, assets: symbols },
    tasks: ordered.map((a) => ({ assetId: a.id, rangeStart: start, rangeEnd: end })),
  });
}
