import type { IsoDate } from '#shared/domain/daily-bar.ts';
import type { Dividend, Split } from '#shared/domain/price-basis.ts';
import type { Sql } from './client.ts';

/** One stored split or cash dividend, as traded (see migrations/0007_corporate_actions.sql). */
export type CorporateAction =
  | {
      assetId: number;
      exDate: IsoDate;
      kind: 'split';
      source: string;
      numerator: number;
      denominator: number;
      providerRecord?: Record<string, unknown>;
    }
  | {
      assetId: number;
      exDate: IsoDate;
      kind: 'dividend';
      source: string;
      amount: number;
      currency: string;
      providerRecord?: Record<string, unknown>;
    };

export interface StoredCorporateAction {
  symbol: string;
  exDate: IsoDate;
  kind: 'split' | 'dividend';
  source: string;
  numerator: number | null;
  denominator: number | null;
  amount: number | null;
  currency: string | null;
  firstSeen: Date;
}

/** Larger provider records are cut to this, so the table's size check never rejects a real action. */
const MAX_RECORD_CHARS = 2_000;

/**
 * Idempotently stores actions (one per asset, ex-date, kind and source). A re-reported action keeps its
 * first_seen; a changed amount or ratio replaces the old one and moves updated_at.
 * @returns how many actions were new.
 */
export async function upsertCorporateActions(sql: Sql, actions: readonly CorporateAction[]): Promise<number> {
  if (actions.length === 0) return 0;
  const rows = await sql.unsafe<{ inserted: boolean }[]>(
    `INSERT INTO corporate_actions (asset_id, ex_date, kind, source, numerator, denominator, amount, currency,
                                    provider_record)
     SELECT * FROM unnest($1::int[], $2::date[], $3::text[], $4::text[], $5::text[]::numeric[],
                          $6::text[]::numeric[], $7::text[]::numeric[], $8::text[], $9::text[]::jsonb[])
     ON CONFLICT (asset_id, ex_date, kind, source) DO UPDATE SET
       numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator, amount = EXCLUDED.amount,
       currency = EXCLUDED.currency, provider_record = EXCLUDED.provider_record, updated_at = now()
     WHERE (corporate_actions.numerator, corporate_actions.denominator, corporate_actions.amount,
            corporate_actions.currency)
       IS DISTINCT FROM (EXCLUDED.numerator, EXCLUDED.denominator, EXCLUDED.amount, EXCLUDED.currency)
     RETURNING (xmax = 0) AS inserted`,
    [
      actions.map((a) => a.assetId),
      actions.map((a) => a.exDate),
      actions.map((a) => a.kind),
      actions.map((a) => a.source),
      actions.map((a) => (a.kind === 'split' ? String(a.numerator) : null)),
      actions.map((a) => (a.kind === 'split' ? String(a.denominator) : null)),
      actions.map((a) => (a.kind === 'dividend' ? String(a.amount) : null)),
      actions.map((a) => (a.kind === 'dividend' ? a.currency : null)),
      actions.map((a) => boundedRecord(a.providerRecord)),
    ] as never[],
  );
  return rows.filter((r) => r.inserted).length;
}

function boundedRecord(record: Record<string, unknown> | undefined): string {
  const text = JSON.stringify(record ?? {});
  return text.length <= MAX_RECORD_CHARS
    ? text
    : JSON.stringify({ truncated: text.slice(0, MAX_RECORD_CHARS) });
}

/** Every stored action of one asset, oldest first: one query, for the ingest of a task. */
export async function listAssetActions(sql: Sql, assetId: number): Promise<StoredCorporateAction[]> {
  return selectActions(sql, [assetId]);
}

/** Stored actions of the named assets (by id), by symbol and ex-date. */
export async function selectActions(sql: Sql, assetIds: readonly number[]): Promise<StoredCorporateAction[]> {
  const rows = await sql<StoredCorporateAction[]>`
    SELECT a.symbol, c.ex_date, c.kind, c.source, c.numerator::float8 AS numerator,
           c.denominator::float8 AS denominator, c.amount::float8 AS amount, c.currency, c.first_seen
    FROM corporate_actions c JOIN assets a ON a.id = c.asset_id
    WHERE c.asset_id = ANY(${assetIds as number[]}::int[])
    ORDER BY a.symbol, c.ex_date, c.kind`;
  return rows;
}

/** An asset's stored splits and dividends, and when its complete history was last fetched. */
export interface ActionHistory {
  splits: Split[];
  dividends: Dividend[];
  /** The last successful complete fetch; null when never. */
  refreshedAt: Date | null;
  /** The last try, successful or not; null when never. */
  attemptedAt: Date | null;
}

/**
 * An asset's action history as three result columns (actions_refreshed_at, actions_attempted_at,
 * actions), `assetId` being the SQL expression of its id: for a statement that reads more than this.
 * actionHistoryOf turns them into an ActionHistory.
 */
export function actionHistoryColumns(assetId: string): string {
  return `(SELECT refreshed_at FROM corporate_action_refreshes WHERE asset_id = ${assetId}) AS actions_refreshed_at,
    (SELECT attempted_at FROM corporate_action_refreshes WHERE asset_id = ${assetId}) AS actions_attempted_at,
    coalesce((SELECT json_agg(json_build_object('exDate', ex_date, 'kind', kind, 'numerator', numerator,
                                                'denominator', denominator, 'amount', amount) ORDER BY ex_date)
              FROM corporate_actions WHERE asset_id = ${assetId}), '[]'::json) AS actions`;
}

/** The columns of actionHistoryColumns, as postgres.js returns them. */
export interface ActionHistoryRow {
  actionsRefreshedAt: Date | null;
  actionsAttemptedAt: Date | null;
  actions: StoredAction[];
}

export function actionHistoryOf(row: ActionHistoryRow | undefined): ActionHistory {
  const actions = row?.actions ?? [];
  return {
    refreshedAt: row?.actionsRefreshedAt ?? null,
    attemptedAt: row?.actionsAttemptedAt ?? null,
    splits: actions
      .filter((a) => a.kind === 'split')
      .map((a) => ({ exDate: a.exDate, numerator: Number(a.numerator), denominator: Number(a.denominator) })),
    dividends: actions
      .filter((a) => a.kind === 'dividend')
      .map((a) => ({ exDate: a.exDate, amount: Number(a.amount) })),
  };
}

export interface StoredAction {
  exDate: IsoDate;
  kind: 'split' | 'dividend';
  numerator: number | null;
  denominator: number | null;
  amount: number | null;
}

/** Notes a fetch of the asset's complete action history: its success (with a count) or why it failed. */
export async function recordActionsRefresh(
  sql: Sql,
  refresh: { assetId: number; source: string; at: Date } & ({ actions: number } | { error: string }),
): Promise<void> {
  const ok = 'actions' in refresh;
  await sql`
    INSERT INTO corporate_action_refreshes (asset_id, source, attempted_at, refreshed_at, actions, last_error)
    VALUES (${refresh.assetId}, ${refresh.source}, ${refresh.at}, ${ok ? refresh.at : null},
            ${ok ? refresh.actions : 0}, ${ok ? null : refresh.error})
    ON CONFLICT (asset_id) DO UPDATE SET
      source = EXCLUDED.source, attempted_at = EXCLUDED.attempted_at,
      refreshed_at = COALESCE(EXCLUDED.refreshed_at, corporate_action_refreshes.refreshed_at),
      actions = CASE WHEN EXCLUDED.last_error IS NULL THEN EXCLUDED.actions ELSE corporate_action_refreshes.actions END,
      last_error = EXCLUDED.last_error`;
}
