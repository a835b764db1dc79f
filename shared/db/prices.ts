import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import type { Sql } from './client.ts';

export interface UpsertResult {
  inserted: number;
  updated: number;
  /** Rows whose stored values were already identical: left untouched, `ingested_at` included. */
  unchanged: number;
}

/** Below this, one `unnest` statement beats the fixed cost of a staging table and COPY. */
const COPY_THRESHOLD = 2_000;
/** Rows per statement for very large batches, so no single statement holds locks or memory for long. */
const CHUNK_ROWS = 100_000;

const COLUMNS = 'asset_id, session_date, source, open, high, low, close, adj_close, volume';

/*
 * A conflicting row is rewritten only when a value differs, so a redelivered batch is a no-op
 * (same rows, same ingested_at) while a corrected price bumps ingested_at. Rows are inserted in key
 * order so that concurrent overlapping batches take row locks in the same order and cannot deadlock.
 */
const ON_CONFLICT = `
  ON CONFLICT (asset_id, session_date, source) DO UPDATE SET
    open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
    adj_close = EXCLUDED.adj_close, volume = EXCLUDED.volume, ingested_at = now()
  WHERE (prices_daily.open, prices_daily.high, prices_daily.low, prices_daily.close,
         prices_daily.adj_close, prices_daily.volume)
    IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close,
                      EXCLUDED.adj_close, EXCLUDED.volume)
  RETURNING (xmax = 0) AS inserted`;

/**
 * Idempotently upserts daily bars: one statement per chunk, never a row at a time. When a batch holds
 * the same key twice the last one wins. Pass a transaction to make the upsert part of a larger unit.
 */
export async function upsertDailyBars(sql: Sql, bars: readonly DailyBar[]): Promise<UpsertResult> {
  const unique = lastPerKey(bars);
  const total: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < unique.length; i += CHUNK_ROWS) {
    const chunk = unique.slice(i, i + CHUNK_ROWS);
    const result =
      chunk.length < COPY_THRESHOLD ? await upsertByUnnest(sql, chunk) : await upsertByCopy(sql, chunk);
    total.inserted += result.inserted;
    total.updated += result.updated;
    total.unchanged += result.unchanged;
  }
  return total;
}

async function upsertByUnnest(sql: Sql, bars: DailyBar[]): Promise<UpsertResult> {
  const [counts] = await sql.unsafe<[{ inserted: number; updated: number }]>(
    `WITH up AS (
       INSERT INTO prices_daily (${COLUMNS})
       SELECT * FROM unnest($1::int[], $2::date[], $3::text[], $4::text[]::numeric[], $5::text[]::numeric[],
                            $6::text[]::numeric[], $7::text[]::numeric[], $8::text[]::numeric[],
                            $9::text[]::numeric[]) AS b(${COLUMNS})
       ORDER BY 1, 2, 3
       ${ON_CONFLICT}
     )
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated
     FROM up`,
    [
      bars.map((b) => b.assetId),
      bars.map((b) => b.sessionDate),
      bars.map((b) => b.source),
      // Prices travel as text: a float8 parameter cast to numeric would keep only 15 significant digits.
      bars.map((b) => String(b.open)),
      bars.map((b) => String(b.high)),
      bars.map((b) => String(b.low)),
      bars.map((b) => String(b.close)),
      bars.map((b) => (b.adjClose === null ? null : String(b.adjClose))),
      bars.map((b) => String(b.volume)),
    ] as never[],
  );
  return withUnchanged(bars.length, counts);
}

async function upsertByCopy(sql: Sql, bars: DailyBar[]): Promise<UpsertResult> {
  const inTransaction = async (tx: Sql) => {
    await tx.unsafe(
      `CREATE TEMP TABLE IF NOT EXISTS prices_daily_staging
         (LIKE prices_daily INCLUDING DEFAULTS EXCLUDING CONSTRAINTS) ON COMMIT DELETE ROWS`,
    );
    const sink = await tx.unsafe(`COPY prices_daily_staging (${COLUMNS}) FROM STDIN`).writable();
    await pipeline(Readable.from(copyLines(bars)), sink);
    const [counts] = await tx.unsafe<[{ inserted: number; updated: number }]>(
      `WITH up AS (
         INSERT INTO prices_daily (${COLUMNS})
         SELECT ${COLUMNS} FROM prices_daily_staging ORDER BY 1, 2, 3
         ${ON_CONFLICT}
       )
       SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated
       FROM up`,
    );
    await tx.unsafe('TRUNCATE prices_daily_staging'); // the caller's transaction may go on to another chunk
    return withUnchanged(bars.length, counts);
  };
  // A temp table and COPY need one connection throughout: reuse the caller's transaction or open one.
  return 'savepoint' in sql ? inTransaction(sql) : sql.begin((tx) => inTransaction(tx as unknown as Sql));
}

/** COPY text format, in blocks of lines so the stream is not flooded with tiny writes. */
function* copyLines(bars: DailyBar[]): Generator<string> {
  const BLOCK = 5_000;
  for (let i = 0; i < bars.length; i += BLOCK) {
    let block = '';
    for (const b of bars.slice(i, i + BLOCK)) {
      block += `${b.assetId}\t${b.sessionDate}\t${b.source}\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${
        b.adjClose ?? '\\N'
      }\t${b.volume}\n`;
    }
    yield block;
  }
}

function lastPerKey(bars: readonly DailyBar[]): DailyBar[] {
  const byKey = new Map<string, DailyBar>();
  for (const bar of bars) byKey.set(`${bar.assetId}|${bar.sessionDate}|${bar.source}`, bar);
  return byKey.size === bars.length ? [...bars] : [...byKey.values()];
}

function withUnchanged(total: number, counts: { inserted: number; updated: number }): UpsertResult {
  return { ...counts, unchanged: total - counts.inserted - counts.updated };
}
