import { getCalendar } from '#shared/calendars/index.ts';
import type { Sql } from '#shared/db/client.ts';
import { recordCompleteSessions } from '#shared/db/coverage.ts';
import { createJob } from '#shared/db/jobs.ts';
import { addDays } from '#shared/domain/dates.ts';
import { createLocalLog } from '#shared/local/adapters.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { startMarketServer } from '#shared/market-server/index.ts';
import { DEFAULT_SETTINGS } from '#shared/usecases/deps.ts';
import { announceJob } from '#shared/usecases/finish-job.ts';
import { checkFreshness } from '#shared/usecases/freshness.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { collectMarket } from '#shared/usecases/plan-collection.ts';
import { ownPeakRssMb } from './child-suite.ts';
import { round, type Suite, type SuiteResult, seconds } from './harness.ts';
import { openScaleCluster, type ScaleShape } from './scale-data.ts';

const MARKETS = ['XNYS', 'XKRX', '24/7'] as const;
/** Fixed so the market server and the calendars agree on every session, run after run. */
const NOW = new Date('2025-06-02T12:00:00Z');
const PLAN_START = '1995-06-05'; // 30 years before NOW, within maxBackfillDays
const RUNS = 21;

/** Size knobs for iterating on a shared machine; the defaults are the full size. */
function shape(): ScaleShape & { collects: number; cache: boolean } {
  const assets = Number(process.env.BENCH_SCALE_ASSETS ?? 5_000);
  const years = Number(process.env.BENCH_SCALE_YEARS ?? 30);
  if (!(assets >= 10 && years >= 1 && years <= 30)) {
    throw new Error('scale: BENCH_SCALE_ASSETS must be >= 10 and BENCH_SCALE_YEARS 1..30');
  }
  // Each market's history ends the day before its daily collect's window (7 sessions) starts, so the
  // first collect stores bars and leaves no gap.
  const historyEnd = Object.fromEntries(
    MARKETS.map((m) => {
      const calendar = getCalendar(m);
      let start = calendar.expectedLastSession(NOW);
      for (let i = 1; i < DEFAULT_SETTINGS.lookbackSessions; i++) start = calendar.previousSession(start);
      return [m, addDays(start, -1)];
    }),
  ) as Record<(typeof MARKETS)[number], string>;
  return {
    assets,
    historyStart: addDays(PLAN_START, (30 - years) * 365),
    historyEnd,
    collects: Number(process.env.BENCH_SCALE_COLLECTS ?? 2),
    cache: process.env.BENCH_SCALE_CACHE !== '0',
  };
}

/**
 * Suite `scale`: 5,000 assets (60% NYSE, 30% KRX, 10% Upbit) x 30 years of bars (~39M rows, generated
 * in SQL, not through the pipeline), then p50/p95 of the bookkeeping a production day runs against it:
 * a daily collect of all three markets (offline, against the in-process market server; its Upbit limit
 * and the budgets are raised so the provider's pacing is not what is measured), a job announcement,
 * session recording over a daily and a 30-year range, a freshness check, and a `--skip-existing` dry-run
 * plan of the whole universe over 30 years; with the prices_daily rows each one read (its transaction's
 * own counters), the database size and the peak RSS of its own process (bin/bench.ts runs it in a
 * child, market server included). The cluster is cached (see scale-data.ts); BENCH_SCALE_CACHE=0
 * generates a throwaway one.
 */
export const scaleSuite: Suite = async (log) => {
  const s = shape();
  const cluster = await openScaleCluster(s, { cache: s.cache, log });
  const { sql } = cluster;
  const server = await startMarketServer({ now: () => NOW.getTime(), upbitRequestsPerSecond: 2_000 });
  try {
    const [{ rows }] = await sql<
      [{ rows: number }]
    >`SELECT sum(bit_count(days::bit(32)))::int AS rows FROM asset_month_bars`;
    log(`  ${rows} rows ${cluster.cached ? 'reused' : 'generated'} in ${round(cluster.loadSeconds, 1)} s`);
    const runtime = new LocalRuntime({
      sql,
      log: createLocalLog('ERROR'),
      baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
      settings: { providerBudgets: { yahoo: 5_000, upbit: 2_000 } },
      now: () => NOW,
    });
    const deps = runtime.deps;

    const collects: number[] = [];
    const starts: string[] = [];
    const ends: string[] = [];
    for (let i = 0; i < s.collects; i++) {
      collects.push(
        await seconds(async () => {
          for (const market of MARKETS) {
            const c = await collectMarket(deps, market);
            starts.push(c.start);
            ends.push(c.end);
          }
          await runtime.drain(160); // tasks in flight: 16 ingest Lambdas given batches of 10
        }),
      );
      log(`  daily collect ${i + 1}: ${round(collects.at(-1) ?? 0, 1)} s`);
    }
    // The three markets' windows together: what a job over all of them would cover.
    const window = { start: starts.sort()[0] ?? PLAN_START, end: ends.sort().at(-1) ?? PLAN_START };
    const [failed] = await sql<[{ n: number }]>`
      SELECT count(*)::int AS n FROM job_tasks WHERE status <> 'success'`;
    if (failed.n > 0) throw new Error(`scale: ${failed.n} collect tasks did not succeed`);

    // Committed like the real thing (createJob opens its own transaction); the first run records the
    // window's sessions, the others find nothing new, as a redelivered announcement would.
    const announce: Timings = { ms: [], barsRead: Number.NaN };
    for (let i = 0; i < RUNS; i++) {
      const { job } = await createJob(sql, {
        kind: 'scheduled',
        rangeStart: window.start,
        rangeEnd: window.end,
        assets: [],
        request: {},
        tasks: [],
      });
      announce.ms.push((await seconds(() => announceJob(deps, job.id))) * 1000);
    }
    const recordDaily = await timed(sql, RUNS, recording(window.start, window.end));
    const recordLong = await timed(sql, 5, recording(PLAN_START, window.end));
    const freshness = await timed(sql, RUNS, async (tx) => async () => {
      const report = await checkFreshness({ ...deps, sql: tx });
      if (report.stale > 0) throw new Error(`scale: ${report.stale} assets stale after the collect`);
    });
    let kept = { tasks: 0, skipped: 0 };
    // As many runs as the other figures: with 5, the p95 was the slowest run alone.
    const plan = await timed(sql, RUNS, async (tx) => async () => {
      const result = await planBackfill(
        { ...deps, sql: tx },
        { start: PLAN_START, end: window.end, skipExisting: true, dryRun: true },
      );
      kept = { tasks: result.tasks.length, skipped: result.skipped };
    });

    const [size] = await sql<[{ bytes: string }]>`SELECT pg_database_size(current_database())::text AS bytes`;
    const result: SuiteResult = {
      assets: s.assets,
      rows,
      historyStart: s.historyStart,
      cachedCluster: cluster.cached,
      databaseGb: round(Number(size.bytes) / 1024 ** 3, 2),
      collectP50S: round(quantile(collects, 0.5), 2),
      collectP95S: round(quantile(collects, 0.95), 2),
      ...figures('announce', announce),
      ...figures('recordSessionsDaily', recordDaily),
      ...figures('recordSessions30y', recordLong),
      ...figures('freshness', freshness),
      ...figures('skipExistingPlan', plan),
      skipExistingPlanChunksSkipped: kept.skipped,
      skipExistingPlanChunksKept: kept.tasks,
      peakRssMb: ownPeakRssMb(),
    };
    log(`  ${JSON.stringify(result)}`);
    return result;
  } finally {
    await server.stop();
    await cluster.close();
  }
};

/** Every market's sessions of [start, end] recorded afresh (the rows recorded before are removed first). */
function recording(start: string, end: string) {
  return async (tx: Sql) => {
    await tx`DELETE FROM market_sessions WHERE session_date BETWEEN ${start} AND ${end}`;
    return async () => {
      for (const market of MARKETS) {
        const sessions = getCalendar(market).sessionsBetween(start, end);
        const recorded = await recordCompleteSessions(tx, market, sessions);
        if (recorded.length === 0)
          throw new Error(`scale: no ${market} session of ${start}..${end} complete`);
      }
    };
  };
}

interface Timings {
  ms: number[];
  /** Rows of prices_daily (heap and primary key) read by the timed work, most of any run. */
  barsRead: number;
}

/**
 * `runs` times: `prepare` inside a transaction, then the work it returns, timed in the same
 * transaction with the prices_daily rows it read (the transaction's own counters); rolled back so
 * every run sees the same database.
 */
async function timed(
  sql: Sql,
  runs: number,
  prepare: (tx: Sql) => Promise<() => Promise<unknown>>,
): Promise<Timings> {
  const out: Timings = { ms: [], barsRead: 0 };
  for (let i = 0; i < runs; i++) {
    await sql
      .begin(async (transaction) => {
        const tx = transaction as unknown as Sql;
        const work = await prepare(tx);
        const before = await barsSoFar(tx);
        out.ms.push((await seconds(work)) * 1000);
        out.barsRead = Math.max(out.barsRead, (await barsSoFar(tx)) - before);
        throw new RolledBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RolledBack)) throw error;
      });
  }
  return out;
}

async function barsSoFar(tx: Sql): Promise<number> {
  const [read] = await tx<{ rows: number }[]>`
    SELECT (pg_stat_get_xact_tuples_returned('prices_daily'::regclass)
          + pg_stat_get_xact_tuples_returned('prices_daily_pkey'::regclass))::int AS rows`;
  return read?.rows ?? Number.NaN;
}

class RolledBack extends Error {}

function figures(name: string, t: Timings): SuiteResult {
  return {
    [`${name}P50Ms`]: round(quantile(t.ms, 0.5), 1),
    [`${name}P95Ms`]: round(quantile(t.ms, 0.95), 1),
    ...(Number.isNaN(t.barsRead) ? {} : { [`${name}BarsRead`]: t.barsRead }),
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
