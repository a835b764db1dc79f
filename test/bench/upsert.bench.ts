import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '#shared/db/client.ts';
import { type UpsertOptions, upsertDailyBars } from '#shared/db/prices.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import { days, makeBars, seedAssets } from '#test/support/fixtures.ts';
import { benchAssets, round, type Suite, seconds, withBenchDatabase } from './harness.ts';

const ASSETS = benchAssets(500);
const SESSIONS = 756; // three years of trading days
const PER_ROW_SAMPLE = 3_000;
/** How many bars each upsert call carries: a 3-year backfill of 50 assets, as a bulk loader would send. */
const BATCH = 50 * SESSIONS;
const ROUNDS = 3;

/**
 * Suite `upsert`: 378,000 bars upserted fresh and again (all conflicts), against a raw COPY into an empty
 * identical table (the physical limit) and a sampled per-row INSERT ... ON CONFLICT (the seeds' way).
 * BENCH_ASSETS=n runs a smaller one.
 */
export const upsertSuite: Suite = (log) =>
  withBenchDatabase(async (sql) => {
    const assets = await seedAssets(sql, ASSETS);
    const bars = makeBars(assets, days('2021-01-01', SESSIONS));
    log(`upsert: ${bars.length} rows (${ASSETS} assets x ${SESSIONS} sessions)`);
    await sql`CREATE TABLE prices_copy (LIKE prices_daily INCLUDING ALL)`;
    await sql`CREATE TABLE prices_per_row (LIKE prices_daily INCLUDING ALL)`;
    // No autovacuum: a vacuum of the table the previous measurement filled would land in the next one.
    for (const table of ['prices_daily', 'prices_copy', 'prices_per_row'])
      await sql.unsafe(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);

    // Best of three for each measurement, taken in rounds of COPY, fresh and all-conflict: the machine is
    // shared, and a busy minute then slows all three alike instead of the one measured during it.
    const best = {
      copy: Number.POSITIVE_INFINITY,
      fresh: Number.POSITIVE_INFINITY,
      conflict: Number.POSITIVE_INFINITY,
    };
    for (let round = 0; round < ROUNDS; round++) {
      await sql`TRUNCATE prices_copy`;
      best.copy = Math.min(best.copy, await measured(sql, () => copyInto(sql, 'prices_copy', bars)));
      await sql`TRUNCATE prices_daily`;
      // As an ingest upserts: fresh when its start read found its range empty, else through the merge.
      best.fresh = Math.min(
        best.fresh,
        await measured(sql, () => upsertInBatches(sql, bars, { noneStoredBefore: true })),
      );
      // Untimed: the first reader of a freshly written page sets its rows' hint bits, whatever it reads;
      // without this only the first conflict pass paid for it (the runs of the same pass were back to back).
      await sql`SELECT count(*) FROM prices_daily`;
      best.conflict = Math.min(best.conflict, await measured(sql, () => upsertInBatches(sql, bars)));
    }
    const { copy, fresh, conflict } = best;
    log(`  raw COPY into an empty table: ${rate(bars.length, copy)} rows/s`);
    log(`  upsert, fresh: ${rate(bars.length, fresh)} rows/s`);
    log(`  upsert, all conflicts: ${rate(bars.length, conflict)} rows/s`);
    const sample = bars.slice(0, PER_ROW_SAMPLE);
    const perRow = await seconds(() => insertPerRow(sql, sample));
    log(`  per-row INSERT ... ON CONFLICT (${sample.length} sampled): ${rate(sample.length, perRow)} rows/s`);

    const [{ stored }] = await sql<[{ stored: number }]>`SELECT count(*)::int AS stored FROM prices_daily`;
    if (stored !== bars.length)
      throw new Error(`upsert bench stored ${stored} rows, expected ${bars.length}`);
    return {
      rows: bars.length,
      copyRowsPerSec: rate(bars.length, copy),
      upsertFreshRowsPerSec: rate(bars.length, fresh),
      upsertConflictRowsPerSec: rate(bars.length, conflict),
      perRowRowsPerSec: rate(sample.length, perRow),
      ratioVsCopyFresh: round(copy / fresh),
      ratioVsCopyConflict: round(copy / conflict),
      speedupVsPerRow: round(perRow / sample.length / (fresh / bars.length), 1),
    };
  });

async function upsertInBatches(sql: Sql, bars: DailyBar[], options: UpsertOptions = {}): Promise<void> {
  for (let i = 0; i < bars.length; i += BATCH)
    await upsertDailyBars(sql, bars.slice(i, i + BATCH), {}, options);
}

/** The same text the product streams, built the same way, so only the database side differs. */
async function copyInto(sql: Sql, table: string, bars: DailyBar[]): Promise<void> {
  const sink = await sql
    .unsafe(
      `COPY ${table} (asset_id, session_date, source, open, high, low, close, adj_close, volume) FROM STDIN`,
    )
    .writable();
  await pipeline(Readable.from(copyText(bars)), sink);
}

function* copyText(bars: DailyBar[]): Generator<string> {
  for (let i = 0; i < bars.length; i += 5_000) {
    let block = '';
    for (const b of bars.slice(i, i + 5_000)) {
      block += `${b.assetId}\t${b.sessionDate}\t${b.source}\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${b.adjClose}\t${b.volume}\n`;
    }
    yield block;
  }
}

async function insertPerRow(sql: Sql, bars: DailyBar[]): Promise<void> {
  for (const b of bars) {
    await sql`
      INSERT INTO prices_per_row (asset_id, session_date, source, open, high, low, close, adj_close, volume)
      VALUES (${b.assetId}, ${b.sessionDate}, ${b.source}, ${b.open}, ${b.high}, ${b.low}, ${b.close}, ${b.adjClose},
              ${b.volume})
      ON CONFLICT (asset_id, session_date, source) DO UPDATE SET close = EXCLUDED.close, ingested_at = now()`;
  }
}

/**
 * Seconds `work` takes, after a checkpoint (untimed): the WAL of the previous measurement is flushed
 * then, not in the middle of this one.
 */
async function measured(sql: Sql, work: () => Promise<unknown>): Promise<number> {
  await sql`CHECKPOINT`;
  return seconds(work);
}

function rate(rows: number, secs: number): number {
  return Math.round(rows / secs);
}
