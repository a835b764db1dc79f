import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { cleanText } from '#shared/domain/text.ts';
import type { Sql } from './client.ts';

export type QualityFlagKind =
  | 'rejected_bar'
  | 'large_move'
  | 'gap'
  | 'rebased'
  | 'closed_day_bar'
  | 'suspected_delisted';

export interface QualityFlag {
  assetId: number;
  sessionDate: IsoDate;
  kind: QualityFlagKind;
  reason: string;
  detail?: Record<string, unknown>;
  jobId?: number | null;
}

export interface StoredQualityFlag extends QualityFlag {
  symbol: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Records flags idempotently (one per asset, date and kind; a newer finding replaces the older). */
export async function recordQualityFlags(sql: Sql, flags: readonly QualityFlag[]): Promise<void> {
  if (flags.length === 0) return;
  await sql.unsafe(
    `INSERT INTO quality_flags (asset_id, session_date, kind, reason, detail, job_id)
     SELECT * FROM unnest($1::int[], $2::date[], $3::text[], $4::text[], $5::text[]::jsonb[], $6::bigint[])
     ON CONFLICT (asset_id, session_date, kind) DO UPDATE SET
       reason = EXCLUDED.reason, detail = EXCLUDED.detail, job_id = EXCLUDED.job_id, updated_at = now()`,
    [
      flags.map((f) => f.assetId),
      flags.map((f) => f.sessionDate),
      flags.map((f) => f.kind),
      flags.map((f) => cleanText(f.reason)),
      flags.map((f) => JSON.stringify(f.detail ?? {})),
      flags.map((f) => f.jobId ?? null),
    ] as never[],
  );
}

/** A stored bar closes a gap and supersedes an earlier rejection of the same session. */
export async function clearResolvedFlags(
  sql: Sql,
  assetId: number,
  storedDates: readonly IsoDate[],
): Promise<void> {
  if (storedDates.length === 0) return;
  await sql`
    DELETE FROM quality_flags
    WHERE asset_id = ${assetId} AND kind IN ('gap', 'rejected_bar') AND session_date = ANY(${storedDates as string[]}::date[])`;
}

export interface QualityFlagFilter {
  kind?: QualityFlagKind;
  symbol?: string;
  since?: IsoDate;
  jobId?: number;
  limit?: number;
}

/** Newest sessions first. */
export async function listQualityFlags(
  sql: Sql,
  filter: QualityFlagFilter = {},
): Promise<StoredQualityFlag[]> {
  return sql<StoredQualityFlag[]>`
    SELECT f.asset_id, a.symbol, f.session_date, f.kind, f.reason, f.detail, f.job_id, f.created_at, f.updated_at
    FROM quality_flags f JOIN assets a ON a.id = f.asset_id
    WHERE (${filter.kind ?? null}::text IS NULL OR f.kind = ${filter.kind ?? null})
      AND (${filter.symbol ?? null}::text IS NULL OR a.symbol = ${filter.symbol ?? null})
      AND (${filter.since ?? null}::date IS NULL OR f.session_date >= ${filter.since ?? null})
      AND (${filter.jobId ?? null}::bigint IS NULL OR f.job_id = ${filter.jobId ?? null})
    ORDER BY f.session_date DESC, a.symbol, f.kind
    LIMIT ${filter.limit ?? 500}`;
}
