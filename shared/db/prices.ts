import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import { inSavepoint, inTransaction, type Sql } from './client.ts';
import { UnknownAssetError } from './errors.ts';
import {
  LOG_REVISIONS,
  LOGGED_COLUMNS,
  RETURNING_OLD_NEW,
  type RevisionContext,
  revisionParameters,
} from './price-revisions.ts';
import { priceText } from './price-text.ts';

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Rows whose stored values were already identical: left untouched, `ingested_at` included. */
  unchanged: number;
}

/** Below this, one `unnest` statement beats the fixed cost of COPY. */
const COPY_THRESHOLD = 500;
/** Rows per statement for very large batches, so no single statement holds locks or memory for long. */
const CHUNK_ROWS = 100_000;
const COLUMNS = 'asset_id, session_date, source, open, high, low, close, adj_close, volume';
const B_COLUMNS = COLUMNS.split(', ')
  .map((c) => `b.${c}`)
  .join(', ');
const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';

/*
 * A conflicting row is rewritten only when a value differs, so a redelivered batch is a no-op
 * (same rows, same ingested_at) while a corrected price bumps ingested_at and leaves its old and new
 * values in price_revisions, written by the same statement (PostgreSQL 18's RETURNING old.*: old is null
 * for an inserted row). Rows go in key order so that concurrent overlapping batches take row locks in
 * the same order and cannot deadlock. Rows already stored with the same values are left out before the
 * insert (one primary-key probe per row, LATERAL ... LIMIT 1 so that no plan scans the whole table):
 * ON CONFLICT would lock each of them, writing WAL for a row that does not change. The ON CONFLICT
 * filter still guards a row changed since the probe read it.
 * `$cause, $job, $task` are the revision context's parameters.
 */
const mergeAndLog = (select: string, cause: string, job: string, task: string) => `
  WITH up AS (
    INSERT INTO prices_daily (${COLUMNS})
    SELECT ${B_COLUMNS} FROM (${select}) b
    LEFT JOIN LATERAL (
      SELECT p.open, p.high, p.low, p.close, p.adj_close, p.volume FROM prices_daily p
      WHERE p.asset_id = b.asset_id AND p.session_date = b.session_date AND p.source = b.source LIMIT 1
    ) p ON true
    WHERE (p.open, p.high, p.low, p.close, p.adj_close, p.volume)
          IS DISTINCT FROM (b.open, b.high, b.low, b.close, b.adj_close, b.volume)
    ORDER BY 1, 2, 3
    ON CONFLICT (asset_id, session_date, source) DO UPDATE SET
      open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
      adj_close = EXCLUDED.adj_close, volume = EXCLUDED.volume, ingested_at = now()
    WHERE (prices_daily.open, prices_daily.high, prices_daily.low, prices_daily.close,
           prices_daily.adj_close, prices_daily.volume)
      IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close,
                        EXCLUDED.adj_close, EXCLUDED.volume)
    RETURNING old.asset_id IS NOT NULL AS revised, ${RETURNING_OLD_NEW}
  ),
  logged AS (
    ${LOG_REVISIONS} SELECT ${LOGGED_COLUMNS}, ${cause}, ${job}::bigint, ${task}::bigint FROM up WHERE revised
  )
  SELECT count(*) FILTER (WHERE NOT revised)::int AS inserted, count(*) FILTER (WHERE revised)::int AS updated
  FROM up`;

/**
 * Idempotently upserts daily bars: one statement per chunk, never a row at a time. When a batch holds
 * the same key twice the last one wins. Pass a transaction to make the upsert part of a larger unit.
 * Every stored bar whose values change is logged in price_revisions with `context` (job, task, cause).
 * @throws UnknownAssetError when a bar names an asset id that is not stored (nothing is written).
 */
export async function upsertDailyBars(
  sql: Sql,
  bars: readonly DailyBar[],
  context: RevisionContext = {},
): Promise<UpsertResult> {
  const rows = inKeyOrder(bars);
  await assertAssetsExist(sql, rows);
  const total: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const chunk = rows.slice(i, i + CHUNK_ROWS);
    const result =
      chunk.length < COPY_THRESHOLD
        ? await upsertByUnnest(sql, chunk, context)
        : await inTransaction(sql, (tx) => upsertByCopy(tx, chunk, context));
    total.inserted += result.inserted;
    total.updated += result.updated;
    total.unchanged += result.unchanged;
  }
  return total;
}

async function upsertByUnnest(sql: Sql, bars: DailyBar[], context: RevisionContext): Promise<UpsertResult> {
  const [counts] = await sql.unsafe<[MergeCounts]>(
    mergeAndLog(
      `SELECT * FROM unnest($1::int[], $2::date[], $3::text[], $4::text[]::numeric[], $5::text[]::numeric[],
                            $6::text[]::numeric[], $7::text[]::numeric[], $8::text[]::numeric[],
                            $9::text[]::numeric[]) AS b(${COLUMNS})`,
      '$10',
      '$11',
      '$12',
    ),
    [
      bars.map((b) => b.assetId),
      bars.map((b) => b.sessionDate),
      bars.map((b) => b.source),
      // Prices travel as text: a float8 parameter cast to numeric would keep only 15 significant digits.
      bars.map((b) => priceText(b.open)),
      bars.map((b) => priceText(b.high)),
      bars.map((b) => priceText(b.low)),
      bars.map((b) => priceText(b.close)),
      bars.map((b) => (b.adjClose === null ? null : priceText(b.adjClose))),
      bars.map((b) => String(b.volume)),
      ...revisionParameters(context),
    ] as never[],
  );
  return withUnchanged(bars.length, counts);
}

/**
 * Large batches go through COPY. When none of the batch's assets has a stored bar in the batch's date
 * range (a backfill of new history), the rows are copied straight into prices_daily - the physical
 * limit. Otherwise, or when a concurrent writer gets there first, they are copied into a staging table
 * and merged with ON CONFLICT.
 */
async function upsertByCopy(tx: Sql, bars: DailyBar[], context: RevisionContext): Promise<UpsertResult> {
  // One round trip. Emptied here rather than after use: the commit empties it anyway (ON COMMIT DELETE
  // ROWS, in place), so only a transaction that upserts twice pays for the DELETE, and no call pays
  // for a TRUNCATE, which gives the table a new file and rewrites its catalog row every time.
  await tx
    .unsafe(
      `CREATE TEMP TABLE IF NOT EXISTS prices_daily_staging
         (LIKE prices_daily INCLUDING DEFAULTS EXCLUDING CONSTRAINTS) ON COMMIT DELETE ROWS;
       DELETE FROM prices_daily_staging`,
    )
    .simple();
  // COPY only into the private staging table: a COPY into prices_daily that hit a conflict would fail
  // mid-stream and take the connection down with it, leaving nothing to fall back on.
  await copyRows(tx, 'prices_daily_staging', bars);
  return (await insertFresh(tx, bars)) ?? (await mergeStaged(tx, bars.length, context));
}

/**
 * When none of the batch's assets has a stored bar in its date range (a backfill of new history), a
 * plain INSERT ... SELECT, without the per-row cost of ON CONFLICT. Under a savepoint: a concurrent
 * writer that got there first (unique violation, deadlock) sends it back to the merge. Not sorted: the
 * staging table holds the rows in the key order they were copied in (a fresh table scans in insertion
 * order), and a deadlock, should that ever not hold, only means the merge, which sorts.
 * @returns undefined when it did not apply.
 */
async function insertFresh(tx: Sql, bars: DailyBar[]): Promise<UpsertResult | undefined> {
  if (!(await nothingStoredInRange(tx, bars))) return undefined;
  try {
    await inSavepoint(tx, (sp) =>
      sp.unsafe(`INSERT INTO prices_daily (${COLUMNS}) SELECT ${COLUMNS} FROM prices_daily_staging`),
    );
    return { inserted: bars.length, updated: 0, unchanged: 0 };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === UNIQUE_VIOLATION || code === DEADLOCK_DETECTED) return undefined;
    throw error;
  }
}

async function mergeStaged(tx: Sql, total: number, context: RevisionContext): Promise<UpsertResult> {
  const [counts] = await tx.unsafe<[MergeCounts]>(
    mergeAndLog(`SELECT ${COLUMNS} FROM prices_daily_staging`, '$1', '$2', '$3'),
    [...revisionParameters(context)] as never[],
  );
  return withUnchanged(total, counts);
}

async function nothingStoredInRange(sql: Sql, bars: DailyBar[]): Promise<boolean> {
  const ids = [...new Set(bars.map((b) => b.assetId))];
  let first = bars[0]?.sessionDate ?? '';
  let last = first;
  for (const b of bars) {
    if (b.sessionDate < first) first = b.sessionDate;
    if (b.sessionDate > last) last = b.sessionDate;
  }
  const [row] = await sql<{ none: boolean }[]>`
    SELECT NOT EXISTS (
      SELECT 1 FROM prices_daily WHERE asset_id = ANY(${ids}::int[]) AND session_date BETWEEN ${first} AND ${last}
    ) AS none`;
  return row?.none ?? false;
}

async function copyRows(sql: Sql, table: string, bars: DailyBar[]): Promise<void> {
  const sink = await sql.unsafe(`COPY ${table} (${COLUMNS}) FROM STDIN`).writable();
  await pipeline(Readable.from(copyText(bars)), sink);
}

/** COPY text format, in blocks of lines so the stream is not flooded with tiny writes. */
function* copyText(bars: DailyBar[]): Generator<string> {
  const BLOCK = 5_000;
  for (let i = 0; i < bars.length; i += BLOCK) {
    let block = '';
    for (let j = i; j < Math.min(i + BLOCK, bars.length); j++) {
      const b = bars[j] as DailyBar;
      block += `${b.assetId}\t${b.sessionDate}\t${b.source}\t${priceText(b.open)}\t${priceText(b.high)}\t${priceText(b.low)}\t${priceText(b.close)}\t${
        b.adjClose === null ? '\\N' : priceText(b.adjClose)
      }\t${b.volume}\n`;
    }
    yield block;
  }
}

/**
 * Stands in for a foreign key (see migration 0001): one query per batch instead of one check per row.
 * @throws UnknownAssetError naming the ids that are not in `assets`.
 */
async function assertAssetsExist(sql: Sql, bars: DailyBar[]): Promise<void> {
  const ids = [...new Set(bars.map((b) => b.assetId))];
  if (ids.length === 0) return;
  const missing = await sql<{ id: number }[]>`
    SELECT id FROM unnest(${ids}::int[]) AS wanted(id) WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.id = wanted.id)`;
  if (missing.length > 0) {
    throw new UnknownAssetError(
      `bars reference asset ids not in assets: ${missing.map((m) => m.id).join(', ')}`,
    );
  }
}

/**
 * Bars sorted by key with later duplicates winning. Callers usually pass sorted, unique bars, which a
 * single linear scan confirms without building a map.
 */
function inKeyOrder(bars: readonly DailyBar[]): DailyBar[] {
  let sorted = true;
  for (let i = 1; i < bars.length && sorted; i++)
    sorted = compareKey(bars[i - 1] as DailyBar, bars[i] as DailyBar) < 0;
  if (sorted) return bars as DailyBar[];
  const byKey = new Map<string, DailyBar>();
  for (const bar of bars) byKey.set(`${bar.assetId}|${bar.sessionDate}|${bar.source}`, bar);
  return [...byKey.values()].sort(compareKey);
}

function compareKey(a: DailyBar, b: DailyBar): number {
  if (a.assetId !== b.assetId) return a.assetId - b.assetId;
  if (a.sessionDate !== b.sessionDate) return a.sessionDate < b.sessionDate ? -1 : 1;
  return a.source === b.source ? 0 : a.source < b.source ? -1 : 1;
}

interface MergeCounts {
  inserted: number;
  updated: number;
}

function withUnchanged(total: number, counts: MergeCounts): UpsertResult {
  return { ...counts, unchanged: total - counts.inserted - counts.updated };
}
