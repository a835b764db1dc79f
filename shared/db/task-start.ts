import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { JobTask } from '#shared/domain/job.ts';
import { ASSET_COLUMNS, type Asset } from './assets.ts';
import type { Sql } from './client.ts';
import {
  type ActionHistory,
  type ActionHistoryRow,
  actionHistoryColumns,
  actionHistoryOf,
} from './corporate-actions.ts';

/** A stored close, as validation and re-basing detection compare against. */
export interface StoredClose {
  sessionDate: IsoDate;
  close: number;
}

/** What an ingest needs to know before its fetch, read as it starts the task. */
export interface StartedIngest {
  task: JobTask;
  asset: Asset;
  /** The asset's stored splits and dividends. */
  actions: ActionHistory;
  /** The asset's last stored bar before the task's range, of any source. */
  barBefore: StoredClose | undefined;
  /** The asset's stored closes of its provider inside the task's range, oldest first. */
  storedCloses: StoredClose[];
  /** The asset's first stored session of any source (asset_coverage), null when it has none. */
  firstStored: IsoDate | null;
}

const TASK_COLUMNS = `id, job_id, asset_id, range_start, range_end, status, attempts, rows_upserted, warnings,
  error, not_before, started_at, finished_at`;
// The asset's id is the task's asset_id; its other columns have names no task column has.
const ASSET_FIELDS = ASSET_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'id')
  .map((c) => `a.${c}`)
  .join(', ');

/**
 * Marks a task running and counts the attempt, as startTask does (the job turns running with its first
 * task; a task of another job changes nothing), and reads in the same statement what its ingest looks
 * up before the fetch: the asset, its action history, the bar before the range, the stored closes in it
 * and the first stored session. One round trip instead of five.
 * @returns undefined when the task has already ended, does not exist or is another job's.
 */
export async function startIngest(
  sql: Sql,
  taskId: number,
  jobId: number,
): Promise<StartedIngest | undefined> {
  const [row] = await sql<(JobTask & Omit<Asset, 'id'> & ActionHistoryRow & Closes)[]>`
    WITH task AS (
      UPDATE job_tasks SET status = 'running', attempts = attempts + 1,
             started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = ${taskId} AND job_id = ${jobId} AND status IN ('pending', 'running')
      RETURNING ${sql.unsafe(TASK_COLUMNS)}
    ), job AS (
      UPDATE job_runs SET status = 'running', started_at = now(), updated_at = now()
      WHERE id = (SELECT job_id FROM task) AND status = 'pending'
    )
    SELECT t.*, ${sql.unsafe(ASSET_FIELDS)}, ${sql.unsafe(actionHistoryColumns('t.asset_id'))},
      (SELECT json_build_array(p.session_date, p.close::float8) FROM prices_daily p
       WHERE p.asset_id = t.asset_id AND p.session_date < t.range_start
       ORDER BY p.session_date DESC LIMIT 1) AS bar_before,
      (SELECT json_agg(json_build_array(p.session_date, p.close::float8) ORDER BY p.session_date)
       FROM prices_daily p
       WHERE p.asset_id = t.asset_id AND p.source = a.provider
         AND p.session_date BETWEEN t.range_start AND t.range_end) AS stored_closes,
      (SELECT min(first_session) FROM asset_coverage WHERE asset_id = t.asset_id) AS first_stored
    FROM task t JOIN assets a ON a.id = t.asset_id`;
  if (!row) return undefined;
  const { actionsRefreshedAt, actionsAttemptedAt, actions, barBefore, storedCloses, firstStored, ...rest } =
    row;
  const { symbol, name, category, calendar, provider, providerSymbol, currency, active, ...more } = rest;
  const { listedOn, delistedOn, delistingSuspectedAt, ...task } = more; // what is left: the task's columns
  return {
    task,
    asset: {
      ...{ id: task.assetId, symbol, name, category, calendar, provider, providerSymbol, currency, active },
      ...{ listedOn, delistedOn, delistingSuspectedAt },
    },
    actions: actionHistoryOf({ actionsRefreshedAt, actionsAttemptedAt, actions }),
    barBefore: barBefore ? closeOf(barBefore) : undefined,
    storedCloses: (storedCloses ?? []).map(closeOf),
    firstStored,
  };
}

interface Closes {
  firstStored: IsoDate | null;
  barBefore: [IsoDate, number] | null;
  storedCloses: [IsoDate, number][] | null;
}

function closeOf([sessionDate, close]: [IsoDate, number]): StoredClose {
  return { sessionDate, close };
}
