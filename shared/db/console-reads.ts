import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { JobTask, TaskStatus } from '#shared/domain/job.ts';
import type { Sql } from './client.ts';

/** One task as the console lists it: the stored columns a person reads, with the asset's symbol. */
export type ConsoleTask = Pick<
  JobTask,
  | 'id'
  | 'rangeStart'
  | 'rangeEnd'
  | 'status'
  | 'attempts'
  | 'rowsUpserted'
  | 'warnings'
  | 'error'
  | 'startedAt'
  | 'finishedAt'
> & { symbol: string };

/**
 * A job's tasks, at most `limit`, the ones a person looks at first: failed and cancelled, then running,
 * pending, succeeded; by symbol and date within each. A 50,000-task job polled every 2 s reads `limit`
 * rows, not all of them. Reads only.
 */
export async function consoleTasks(sql: Sql, jobId: number, limit: number): Promise<ConsoleTask[]> {
  return sql<ConsoleTask[]>`
    SELECT t.id, a.symbol, t.range_start, t.range_end, t.status, t.attempts, t.rows_upserted, t.warnings,
           t.error, t.started_at, t.finished_at
    FROM job_tasks t JOIN assets a ON a.id = t.asset_id
    WHERE t.job_id = ${jobId}
    ORDER BY array_position(ARRAY['failed', 'cancelled', 'running', 'pending', 'success'], t.status),
             a.symbol, t.range_start
    LIMIT ${limit}`;
}

/** How many of a job's tasks are in each status (statuses with none are absent). Reads only. */
export async function taskStatusCounts(
  sql: Sql,
  jobId: number,
): Promise<Partial<Record<TaskStatus, number>>> {
  const rows = await sql<{ status: TaskStatus; tasks: number }[]>`
    SELECT status, count(*)::int AS tasks FROM job_tasks WHERE job_id = ${jobId} GROUP BY status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.tasks]));
}

/** Sessions stored for one asset in one calendar year (bars of any source counted once per date). */
export interface StoredYear {
  year: number;
  stored: number;
  first: IsoDate;
  last: IsoDate;
}

/** An asset's stored bars per calendar year, oldest first, from the primary-key index. Reads only. */
export async function storedSessionsByYear(sql: Sql, assetId: number): Promise<StoredYear[]> {
  return sql<StoredYear[]>`
    SELECT extract(year FROM session_date)::int AS year, count(DISTINCT session_date)::int AS stored,
           min(session_date) AS first, max(session_date) AS last
    FROM prices_daily WHERE asset_id = ${assetId}
    GROUP BY 1 ORDER BY 1`;
}
