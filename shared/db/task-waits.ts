import type { ProviderName } from '#shared/providers/types.ts';
import type { Sql } from './client.ts';

/** A provider's rate limit that a running job is waiting out. */
export interface RateLimitWait {
  provider: ProviderName;
  /** When the waiting task with the latest resume time is due again. */
  until: Date;
  /** The last 429 reason recorded, e.g. "rate-limited: yahoo SPY ...: HTTP 429 Too Many Requests". */
  reason: string;
  /** How many of the jobs' unfinished tasks are waiting on this provider. */
  tasks: number;
}

/**
 * Records that a running task was rate-limited and is due again at `until`; the first time also marks
 * when its throttling started (at `now`). The reason is also the task's last error, as for any retry.
 * @returns when the task's throttling started (now, the first time), or undefined when it has ended.
 */
export async function noteRateLimited(
  sql: Sql,
  taskId: number,
  wait: { reason: string; until: Date; now: Date },
): Promise<Date | undefined> {
  // The pipeline's clock (deps.now), not the database's: the budget is measured on one clock.
  const [row] = await sql<{ throttledSince: Date }[]>`
    UPDATE job_tasks SET throttled_since = coalesce(throttled_since, ${wait.now}),
           rate_limited_until = ${wait.until}, waiting_reason = ${wait.reason}, error = ${wait.reason},
           updated_at = now()
    WHERE id = ${taskId} AND status IN ('pending', 'running')
    RETURNING throttled_since`;
  return row?.throttledSince;
}

/** The rate limits the unfinished tasks of `jobIds` are waiting out at `now`, one row per provider. */
export async function rateLimitWaits(
  sql: Sql,
  jobIds: readonly number[],
  now: Date,
): Promise<RateLimitWait[]> {
  if (jobIds.length === 0) return [];
  return sql<RateLimitWait[]>`
    SELECT a.provider, max(t.rate_limited_until) AS until, count(*)::int AS tasks,
           (array_agg(t.waiting_reason ORDER BY t.rate_limited_until DESC))[1] AS reason
    FROM job_tasks t JOIN assets a ON a.id = t.asset_id
    WHERE t.job_id = ANY(${jobIds as number[]}::bigint[]) AND t.status IN ('pending', 'running')
      AND t.rate_limited_until > ${now}
    GROUP BY a.provider ORDER BY a.provider`;
}
