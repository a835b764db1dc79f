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
 * the same order and cannot deadlock. `candidates` leaves out the rows already stored with the same
 * values (see probeEach, joinStoredRanges): ON CONFLICT would lock each of them, writing WAL for a row
 * that does not change. The ON CONFLICT filter still guards a row changed since that read.
 * `$cause, $job, $task` are the revision context's parameters.
 */
const mergeAndLog = (candidates: string, cause: string, job: string, task: string) => `
  WITH up AS (
    INSERT INTO prices_daily (${COLUMNS})
    ${candidates}
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

const VALUES_DIFFER = `(p.open, p.high, p.low, p.close, p.adj_close, p.volume)
  IS DISTINCT FROM (b.open, b.high, b.low, b.close, b.adj_close, b.volume)`;

/**
 * The rows of `select` not stored with the same values, by one primary-key probe per row (LATERAL ...
 * LIMIT 1, so that no plan scans the whole table): for small batches.
 */
const probeEach = (select: string) => `
  SELECT ${B_COLUMNS} FROM (${select}) b
  LEFT JOIN LATERAL (
    SELECT p.open, p.high, p.low, p.close, p.adj_close, p.volume FROM prices_daily p
    WHERE p.asset_id = b.asset_id AND p.session_date = b.session_date AND p.source = b.source LIMIT 1
  ) p ON true
  WHERE ${VALUES_DIFFER}`;

/**
 * The rows of `select` not stored with the same values, by one join with the stored bars of each
 * asset's date range in the batch (`$ids, $firsts, $lasts`, see assetRanges): for large batches, a
 * primary-key range scan per asset and a merge join cost a third of a probe per row. What it reads
 * grows with the batch's ranges, never with the rest of the history: OFFSET 0 keeps the LATERAL
 * subquery a scan per asset, which the planner gives the primary key. Flattened into a plain join, a
 * table without fresh statistics (after a TRUNCATE, before autovacuum) got a hash join over a full scan.
 */
const joinStoredRanges = (select: string, ids: string, firsts: string, lasts: string) => `
  SELECT ${B_COLUMNS} FROM (${select}) b
  LEFT JOIN (
    SELECT p.* FROM unnest(${ids}::int[], ${firsts}::date[], ${lasts}::date[]) AS r(asset_id, first_session, last_session)
    CROSS JOIN LATERAL (
      SELECT p.asset_id, p.session_date, p.source, p.open, p.high, p.low, p.close, p.adj_close, p.volume
      FROM prices_daily p
      WHERE p.asset_id = r.asset_id AND p.session_date BETWEEN r.first_session AND r.last_session
      OFFSET 0
    ) p
  ) p ON p.asset_id = b.asset_id AND p.session_date = b.session_date AND p.source = b.source
  WHERE ${VALUES_DIFFER}`;

export interface UpsertOptions {
  /**
   * The caller read, before this call, that no bar of the batch's assets was stored in the batch's
   * ranges: a large batch is then copied straight in (insertNewBars; a bar stored since sends it to
   * the merge). Unset, it is merged: no call checks again. Ingest knows this from its start read and
   * calls insertNewBars itself, for the new bars of all the tasks of a batch (task-writes.ts).
   */
  noneStoredBefore?: boolean;
}

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
  options: UpsertOptions = {},
): Promise<UpsertResult> {
  const rows = inKeyOrder(bars);
  await assertAssetsExist(sql, rows);
  const total: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const chunk = rows.slice(i, i + CHUNK_ROWS);
    const result =
      chunk.length < COPY_THRESHOLD
        ? await upsertByUnnest(sql, chunk, context)
        : await inTransaction(sql, (tx) => upsertByCopy(tx, chunk, context, options));
    total.inserted += result.inserted;
    total.updated += result.updated;
    total.unchanged += result.unchanged;
  }
  return total;
}

async function upsertByUnnest(sql: Sql, bars: DailyBar[], context: RevisionContext): Promise<UpsertResult> {
  const [counts] = await sql.unsafe<[MergeCounts]>(
    mergeAndLog(
      probeEach(`SELECT * FROM unnest($1::int[], $2::date[], $3::text[], $4::text[]::numeric[], $5::text[]::numeric[],
                            $6::text[]::numeric[], $7::text[]::numeric[], $8::text[]::numeric[],
                            $9::text[]::numeric[]) AS b(${COLUMNS})`),
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
 * Large batches go through COPY. When the caller found none of the batch's assets with a stored bar
 * inside its own range in the batch (a backfill of new history: `noneStoredBefore`), the rows are
 * copied straight into prices_daily: the physical limit, with none of the merge's probe, sort or
 * revisions log. Otherwise, or when a concurrent writer got there first, they are copied into a
 * staging table and merged with ON CONFLICT.
 */
async function upsertByCopy(
  tx: Sql,
  bars: DailyBar[],
  context: RevisionContext,
  options: UpsertOptions,
): Promise<UpsertResult> {
  const ranges = assetRanges(bars);
  if (options.noneStoredBefore) {
    const fresh = await copyFresh(tx, bars);
    if (fresh) return fresh;
  }
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
  await copyRows(tx, 'prices_daily_staging', bars);
  return mergeStaged(tx, bars.length, ranges, context);
}

/** COPY straight into prices_daily (see insertNewBars), counted as an upsert; undefined when it did not apply. */
async function copyFresh(tx: Sql, bars: DailyBar[]): Promise<UpsertResult | undefined> {
  return (await insertNewBars(tx, bars)) ? { inserted: bars.length, updated: 0, unchanged: 0 } : undefined;
}

/**
 * Inserts bars expected to be new with one COPY straight into prices_daily, under a savepoint of the
 * transaction `tx`: a fresh batch of one task, or the new bars of several tasks that share a
 * transaction (task-writes.ts). A bar already stored, or stored by a concurrent writer since the
 * caller looked (unique violation), or a concurrent writer that locked the keys first (deadlock),
 * rolls the savepoint back. The rows must be in key order, so that concurrent copies take their locks
 * in one order; rows that are not (or a key twice) are not copied. A failed COPY settles its stream
 * with the server's error (patches/postgres+3.4.9.patch; upstream hung when it came after the last row).
 * @returns true when every bar was inserted; false when none was, and the caller should merge them.
 */
export async function insertNewBars(tx: Sql, bars: readonly DailyBar[]): Promise<boolean> {
  for (let i = 1; i < bars.length; i++)
    if (compareKey(bars[i - 1] as DailyBar, bars[i] as DailyBar) >= 0) return false;
  try {
    await inSavepoint(tx, (sp) => copyRows(sp, 'prices_daily', bars));
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === UNIQUE_VIOLATION || code === DEADLOCK_DETECTED) return false;
    throw error;
  }
}

async function mergeStaged(
  tx: Sql,
  total: number,
  ranges: AssetRanges,
  context: RevisionContext,
): Promise<UpsertResult> {
  const [counts] = await tx.unsafe<[MergeCounts]>(
    mergeAndLog(
      joinStoredRanges(`SELECT ${COLUMNS} FROM prices_daily_staging`, '$4', '$5', '$6'),
      '$1',
      '$2',
      '$3',
    ),
    [...revisionParameters(context), ranges.ids, ranges.firsts, ranges.lasts] as never[],
  );
  return withUnchanged(total, counts);
}

/** Each asset's first and last session in a batch. */
interface AssetRanges {
  ids: number[];
  firsts: string[];
  lasts: string[];
}

/** The batch is in key order, so each asset's bars are contiguous, from its first session to its last. */
function assetRanges(bars: DailyBar[]): AssetRanges {
  const ranges: AssetRanges = { ids: [], firsts: [], lasts: [] };
  for (const [i, b] of bars.entries()) {
    if (b.assetId !== bars[i - 1]?.assetId) {
      ranges.ids.push(b.assetId);
      ranges.firsts.push(b.sessionDate);
    }
    if (b.assetId !== bars[i + 1]?.assetId) ranges.lasts.push(b.sessionDate);
  }
  return ranges;
}

async function copyRows(sql: Sql, table: string, bars: readonly DailyBar[]): Promise<void> {
  const sink = await sql.unsafe(`COPY ${table} (${COLUMNS}) FROM STDIN`).writable();
  await pipeline(Readable.from(copyText(bars)), sink);
}

/** COPY text format, in blocks of lines so the stream is not flooded with tiny writes. */
function* copyText(bars: readonly DailyBar[]): Generator<string> {
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
