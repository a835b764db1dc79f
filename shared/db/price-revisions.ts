import type { BarValues, IsoDate } from '#shared/domain/daily-bar.ts';
import type { Sql } from './client.ts';

/** Why a stored bar changed: the provider sent other values, or a re-based history was restated. */
export type RevisionCause = 'revision' | 'rebase';

/** Who changed a bar; recorded with each revision. All optional: a change by hand has no job. */
export interface RevisionContext {
  jobId?: number | null;
  taskId?: number | null;
  /** 'revision' when not given. */
  cause?: RevisionCause;
}

const VALUES = ['open', 'high', 'low', 'close', 'adj_close', 'volume'] as const;

/** The RETURNING list of a statement that changes prices_daily: the key, then old_* and new values. */
export const RETURNING_OLD_NEW = [
  'new.asset_id, new.session_date, new.source',
  ...VALUES.map((v) => `old.${v} AS old_${v}, new.${v}`),
].join(', ');

/** Column list of the insert into price_revisions; the select list is LOGGED_COLUMNS, cause, job, task. */
export const LOG_REVISIONS = `INSERT INTO price_revisions (asset_id, session_date, source, ${VALUES.map((v) => `old_${v}`).join(', ')},
    ${VALUES.map((v) => `new_${v}`).join(', ')}, cause, job_id, task_id)`;

/** What LOG_REVISIONS selects from the rows RETURNING_OLD_NEW returned, before cause, job and task. */
export const LOGGED_COLUMNS = `asset_id, session_date, source, ${VALUES.map((v) => `old_${v}`).join(', ')}, ${VALUES.join(', ')}`;

/** The cause, job and task parameters, in the order the revision-logging statements bind them. */
export function revisionParameters(context: RevisionContext): [string, number | null, number | null] {
  return [context.cause ?? 'revision', context.jobId ?? null, context.taskId ?? null];
}

/**
 * Restates every stored bar of `assetId` from `source` dated before `before` onto a new basis: prices
 * times denominator / numerator, volume times numerator / denominator (a `numerator`:`denominator`
 * split the stored history did not know of). One statement; each bar changed is logged as a 'rebase'
 * revision with `context`.
 * @returns how many bars were restated.
 */
export async function restateBars(
  sql: Sql,
  target: { assetId: number; source: string; before: IsoDate; numerator: number; denominator: number },
  context: RevisionContext,
): Promise<number> {
  const [, job, task] = revisionParameters(context);
  const n = String(target.numerator);
  const d = String(target.denominator);
  const [row] = await sql.unsafe<[{ restated: number }]>(
    `WITH up AS (
       UPDATE prices_daily SET
         open = open * $4::numeric / $3::numeric, high = high * $4::numeric / $3::numeric,
         low = low * $4::numeric / $3::numeric, close = close * $4::numeric / $3::numeric,
         adj_close = adj_close * $4::numeric / $3::numeric, volume = volume * $3::numeric / $4::numeric,
         ingested_at = now()
       WHERE asset_id = $1 AND source = $2 AND session_date < $5::date
         -- Only bars stored before this job: another chunk of the same job may already have stored
         -- its range on the new basis (or be doing so now: READ COMMITTED re-checks this on the row
         -- version it waited for), and restating those again would divide them twice.
         AND ($6::bigint IS NULL OR ingested_at < (SELECT created_at FROM job_runs WHERE id = $6::bigint))
       RETURNING ${RETURNING_OLD_NEW}
     ),
     logged AS (${LOG_REVISIONS} SELECT ${LOGGED_COLUMNS}, 'rebase', $6::bigint, $7::bigint FROM up)
     SELECT count(*)::int AS restated FROM up`,
    [target.assetId, target.source, n, d, target.before, job, task] as never[],
  );
  return row?.restated ?? 0;
}

export interface PriceRevision {
  id: number;
  symbol: string;
  sessionDate: IsoDate;
  source: string;
  cause: RevisionCause;
  /** Values as numbers; adjClose null when the provider has none. */
  old: RevisedValues;
  new: RevisedValues;
  jobId: number | null;
  taskId: number | null;
  revisedAt: Date;
}

export type RevisedValues = Omit<BarValues, 'sessionDate'>;

export interface RevisionFilter {
  symbols?: readonly string[];
  /** Revisions recorded at or after this instant. */
  since?: Date;
  limit?: number;
}

/** Newest first; reads only. */
export async function listRevisions(sql: Sql, filter: RevisionFilter = {}): Promise<PriceRevision[]> {
  const rows = await sql<Record<string, unknown>[]>`
    SELECT r.id::int AS id, a.symbol, r.session_date, r.source, r.cause, r.job_id::int AS job_id,
           r.task_id::int AS task_id, r.revised_at,
           r.old_open::float8, r.old_high::float8, r.old_low::float8, r.old_close::float8,
           r.old_adj_close::float8, r.old_volume::float8, r.new_open::float8, r.new_high::float8,
           r.new_low::float8, r.new_close::float8, r.new_adj_close::float8, r.new_volume::float8
    FROM price_revisions r JOIN assets a ON a.id = r.asset_id
    WHERE (${filter.symbols === undefined} OR a.symbol = ANY(${(filter.symbols ?? []) as string[]}))
      AND (${filter.since ?? null}::timestamptz IS NULL OR r.revised_at >= ${filter.since ?? null})
    ORDER BY r.revised_at DESC, r.id DESC
    LIMIT ${filter.limit ?? 100}`;
  const values = (row: Record<string, unknown>, side: 'old' | 'new'): RevisedValues => ({
    open: row[`${side}Open`] as number,
    high: row[`${side}High`] as number,
    low: row[`${side}Low`] as number,
    close: row[`${side}Close`] as number,
    adjClose: row[`${side}AdjClose`] as number | null,
    volume: row[`${side}Volume`] as number,
  });
  return rows.map((row) => ({
    id: row.id as number,
    symbol: row.symbol as string,
    sessionDate: row.sessionDate as IsoDate,
    source: row.source as string,
    cause: row.cause as RevisionCause,
    old: values(row, 'old'),
    new: values(row, 'new'),
    jobId: row.jobId as number | null,
    taskId: row.taskId as number | null,
    revisedAt: row.revisedAt as Date,
  }));
}
