import { syncAssets } from '#shared/db/assets.ts';
import { createSql, type Sql } from '#shared/db/client.ts';
import { upsertDailyBars } from '#shared/db/prices.ts';
import type { DailyBar } from '#shared/domain/daily-bar.ts';
import { DRILL_APP, DRILL_ASSET_SYMBOLS, DRILL_DAYS, type WorkerReport } from './reconnect-protocol.ts';

/**
 * The application side of the reconnect drill, run in a child process because the crash it looks for
 * (an uncaught TypeError from a driver timer) ends the whole process: bulk upserts by COPY and a
 * stream of small queries on one pool, over TLS, while the parent cuts the connections. After the
 * parent says the cut is done it checks, on the same pool, that the pool recovered and that every query
 * got its own answer, and reports. Never exits 0 without a report.
 */
const url = process.env.DRILL_DATABASE_URL as string;
/** Enough transactions in flight that a cut lands on several mid-statement. */
const TRANSACTION_LOOPS = 6;
const sql = createSql(url, { max: 8, applicationName: DRILL_APP });
const send = (message: unknown) => process.send?.(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const report: WorkerReport = { mismatches: [], errors: {}, upsertsAfterFault: 0, recovered: false };
let faulted = false;
let stopping = false;

function recordError(error: unknown): void {
  const e = error as { code?: string; name?: string; message?: string };
  const key = `${e.code ?? e.name}: ${String(e.message).slice(0, 80)}`;
  report.errors[key] = (report.errors[key] ?? 0) + 1;
}

/** Records a failure of the work loops and pauses, so a loop does not spin while the pool reconnects. */
async function failedOnce(error: unknown): Promise<void> {
  recordError(error);
  await sleep(20);
}

/** One `select n` that must come back with its own n, whatever else is in flight. */
async function ownAnswer(n: number): Promise<boolean> {
  const [row] = await sql<{ n: number }[]>`SELECT ${n}::int AS n`;
  if (row?.n !== n) report.mismatches.push({ asked: n, got: row?.n ?? null });
  return true;
}

function barsOf(assetIds: number[], round: number): DailyBar[] {
  const start = Date.UTC(1990, 0, 1);
  return assetIds.flatMap((assetId) =>
    Array.from({ length: DRILL_DAYS }, (_, day) => {
      const price = 100 + round + (day % 50) / 10;
      return {
        assetId,
        sessionDate: new Date(start + day * 86_400_000).toISOString().slice(0, 10) as DailyBar['sessionDate'],
        source: 'drill',
        open: price,
        high: price + 1,
        low: price - 1,
        close: price,
        adjClose: null,
        volume: round,
      };
    }),
  );
}

async function upserts(assetIds: number[]): Promise<number> {
  let lastGood = 0;
  for (let round = 1; !stopping; round++) {
    try {
      await upsertDailyBars(sql, barsOf(assetIds, round));
      lastGood = round;
      if (faulted) report.upsertsAfterFault++;
      if (round === 1) send({ type: 'working' });
    } catch (error) {
      await failedOnce(error);
    }
  }
  return lastGood;
}

async function smallQueries(first: number): Promise<void> {
  for (let n = first; !stopping; n += 2) {
    await ownAnswer(n).catch(failedOnce);
  }
}

/** Short transactions, as the job and task bookkeeping runs them: a cut lands on one mid-statement. */
async function transactions(first: number, step: number): Promise<void> {
  for (let n = first; !stopping; n += step) {
    await sql
      .begin(async (tx) => {
        const [row] = await tx<{ n: number }[]>`SELECT ${n}::int AS n, pg_sleep(0.005)`;
        if (row?.n !== n) report.mismatches.push({ asked: n, got: row?.n ?? null });
      })
      .catch(failedOnce);
  }
}

/** Retries `work` a bounded number of times: the pool reconnects with a backoff of up to 1 s. */
async function eventually<T>(work: () => Promise<T>, attempts = 60): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      recordError(error);
      if (attempt >= attempts) throw error;
      await sleep(250);
    }
  }
}

async function main(sql: Sql): Promise<void> {
  await syncAssets(
    sql,
    DRILL_ASSET_SYMBOLS.map((symbol) => ({
      symbol,
      name: symbol,
      category: 'stock',
      calendar: 'XNYS',
      provider: 'yahoo',
      providerSymbol: symbol,
      currency: 'USD',
      active: true,
    })),
  );
  const assetIds = (await sql<{ id: number }[]>`SELECT id FROM assets ORDER BY id`).map((a) => a.id);
  const cut = new Promise<void>((resolve) => process.once('message', () => resolve()));
  const work = Promise.all([
    upserts(assetIds),
    smallQueries(1_000_000),
    smallQueries(1_000_001),
    ...Array.from({ length: TRANSACTION_LOOPS }, (_, i) => transactions(2_000_000 + i, TRANSACTION_LOOPS)),
  ]);
  await cut;
  faulted = true;
  // Right after the cut, many at once while the pool reconnects: each that answers answers for itself.
  const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => ownAnswer(i)));
  for (const r of burst) if (r.status === 'rejected') recordError(r.reason);
  // Let the bulk writes go on over the new connections until one more upsert has gone through.
  await eventually(async () => {
    if (report.upsertsAfterFault === 0) throw new Error('no upsert since the cut yet');
  });
  stopping = true;
  const [lastRound] = await work;
  // Recovered: the same pool answers 300 queries at once, every one with its own result.
  const answers = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => ownAnswer(5_000 + i)));
  report.recovered = answers.every((a) => a.status === 'fulfilled');
  for (const a of answers) if (a.status === 'rejected') recordError(a.reason);
  const [rows] = await sql<{ total: number; stale: number }[]>`
    SELECT count(*)::int AS total, count(*) FILTER (WHERE volume <> ${lastRound})::int AS stale
    FROM prices_daily`;
  report.rows = { expected: assetIds.length * DRILL_DAYS, ...(rows as { total: number; stale: number }) };
}

main(sql)
  .then(() => send({ type: 'report', report }))
  .catch((error) => {
    recordError(error);
    send({ type: 'report', report, failed: String(error) });
  })
  .finally(() => sql.end({ timeout: 5 }).then(() => process.disconnect?.()));
