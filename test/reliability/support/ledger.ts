import { listAssets } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { getJob, listTasks } from '#shared/db/jobs.ts';
import type { JobRun } from '#shared/domain/job.ts';
import type { MarketBar, MarketServer } from '#shared/market-server/index.ts';

/** What the database holds against what the market server serves for every task that succeeded. */
export interface RowLedger {
  /** Bars served for the ranges of the tasks that succeeded. */
  expected: number;
  stored: number;
  /** Expected bars missing from prices_daily or stored with other values. */
  lost: number;
  /** Rows beyond the first for one (asset, session, source) key. */
  duplicated: number;
  /** Stored rows no succeeded task accounts for. */
  unexpected: number;
}

/** Compares prices_daily value by value with `server.tradedBarsFor` (as traded) over the succeeded tasks of `jobIds`. */
export async function rowLedger(
  sql: Sql,
  server: MarketServer,
  jobIds: readonly number[],
): Promise<RowLedger> {
  const assets = new Map((await listAssets(sql)).map((a) => [a.id, a]));
  const expected = new Map<string, MarketBar>();
  for (const jobId of jobIds) {
    for (const task of await listTasks(sql, jobId)) {
      const asset = assets.get(task.assetId);
      if (task.status !== 'success' || !asset) continue;
      for (const bar of server.tradedBarsFor(
        asset.provider,
        asset.providerSymbol,
        task.rangeStart,
        task.rangeEnd,
      ))
        expected.set(`${asset.id}|${bar.sessionDate}|${asset.provider}`, bar);
    }
  }
  const rows = await sql<(Omit<MarketBar, 'adjClose'> & { key: string; adjClose: number | null })[]>`
    SELECT asset_id || '|' || session_date || '|' || source AS key, open::float8 AS open, high::float8 AS high,
           low::float8 AS low, close::float8 AS close, adj_close::float8 AS adj_close, volume::float8 AS volume
    FROM prices_daily`;
  const stored = new Map(rows.map((r) => [r.key, r]));
  let lost = 0;
  for (const [key, bar] of expected) {
    const row = stored.get(key);
    const same =
      row !== undefined &&
      (['open', 'high', 'low', 'close', 'adjClose', 'volume'] as const).every((k) => row[k] === bar[k]);
    if (!same) lost += 1;
  }
  return {
    expected: expected.size,
    stored: rows.length,
    lost,
    duplicated: rows.length - stored.size,
    unexpected: [...stored.keys()].filter((key) => !expected.has(key)).length,
  };
}

export interface JobLedger {
  jobs: JobRun[];
  /** Jobs not finished, plus tasks still pending or running. */
  stuck: number;
  /** Jobs whose counters disagree with their tasks (a task counted twice or not at all). */
  miscounted: number[];
  failedTasks: { jobId: number; symbol: string; error: string }[];
}

/** The jobs as they ended: unfinished work, counters checked against the task rows, failures. */
export async function jobLedger(sql: Sql, jobIds: readonly number[]): Promise<JobLedger> {
  const ledger: JobLedger = { jobs: [], stuck: 0, miscounted: [], failedTasks: [] };
  for (const jobId of jobIds) {
    const job = await getJob(sql, jobId);
    const tasks = await listTasks(sql, jobId);
    const succeeded = tasks.filter((t) => t.status === 'success');
    const failed = tasks.filter((t) => t.status === 'failed');
    ledger.jobs.push(job);
    if (job.finishedAt === null) ledger.stuck += 1;
    ledger.stuck += tasks.length - succeeded.length - failed.length;
    const exact =
      job.tasksTotal === tasks.length &&
      job.tasksSucceeded === succeeded.length &&
      job.tasksFailed === failed.length &&
      job.rowsUpserted === tasks.reduce((n, t) => n + t.rowsUpserted, 0);
    if (!exact) ledger.miscounted.push(jobId);
    for (const t of failed) ledger.failedTasks.push({ jobId, symbol: t.symbol, error: t.error ?? '' });
  }
  return ledger;
}

/**
 * A fingerprint of the stored prices by symbol, session, source and values, without ingested_at and
 * asset ids, so that two databases that ran the same backfill can be compared.
 */
export async function priceValuesChecksum(sql: Sql): Promise<{ rows: number; checksum: string }> {
  const [row] = await sql<{ rows: number; checksum: string }[]>`
    SELECT count(*)::int AS rows, coalesce(md5(string_agg(
             concat_ws(',', a.symbol, p.session_date, p.source, p.open, p.high, p.low, p.close,
                       coalesce(p.adj_close::text, 'null'), p.volume),
             '|' ORDER BY a.symbol, p.session_date, p.source)), '') AS checksum
    FROM prices_daily p JOIN assets a ON a.id = p.asset_id`;
  return row ?? { rows: 0, checksum: '' };
}

/**
 * Stored rows whose ingested_at is not the finish time of the succeeded task that covers them. The
 * task's transaction writes its bars and ends it together, so both carry that transaction's now(): a
 * later delivery that rewrote a row would have moved its ingested_at.
 */
export async function rowsRewrittenAfterTheirTask(sql: Sql): Promise<number> {
  const [row] = await sql<{ rewritten: number }[]>`
    SELECT count(*)::int AS rewritten FROM prices_daily p
    WHERE NOT EXISTS (
      SELECT 1 FROM job_tasks t
      WHERE t.asset_id = p.asset_id AND t.status = 'success' AND t.finished_at = p.ingested_at
        AND p.session_date BETWEEN t.range_start AND t.range_end)`;
  return row?.rewritten ?? 0;
}
