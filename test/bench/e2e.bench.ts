import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getCalendar } from '#shared/calendars/index.ts';
import type { Asset } from '#shared/db/assets.ts';
import type { Sql } from '#shared/db/client.ts';
import { createLocalLog } from '#shared/local/adapters.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { localDateAt } from '#shared/providers/dates.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { seedAssets } from '#test/support/fixtures.ts';
import { type Breakdown, profiled } from './cpu-breakdown.ts';
import { benchAssets, round, type Suite, seconds, withBenchDatabase } from './harness.ts';
import { type RemoteMarket, startRemoteMarket } from './remote-market.ts';

const ASSETS = benchAssets(500);
export const START = '2022-01-01';
export const END = '2024-12-31';
/** Fixed so the market server has every session of the range and the run is repeatable. */
export const NOW = new Date('2025-06-02T12:00:00Z');
/** Like 16 concurrent ingest Lambdas, each given batches of 10 and working a batch's tasks together. */
const LAMBDAS = 16;
const IN_FLIGHT = LAMBDAS * 10;

/** Rounds of pipeline and baseline, each in a fresh copy of the same start; the best of each counts. */
const ROUNDS = 3;
const TEMPLATE = 'e2e_start';

interface Round {
  pipelineSeconds: number;
  breakdown: Breakdown;
  copySeconds: number;
  rows: number;
  tasks: number;
}

/**
 * Suite `e2e`: a 500-asset x 3-year backfill through the whole local path (plan, queue, market server
 * over HTTP, validation, upsert, task bookkeeping), against a raw COPY of the same rows. The market
 * server runs in a worker thread of its own, as the provider is remote in production: the figure is the
 * pipeline's, not the stand-in's. The pipeline runs under the sampling profiler, whose samples give the
 * breakdown (seconds of wall time per phase, see cpu-breakdown.ts). Each of ROUNDS rounds runs the
 * pipeline and then the COPY in a new copy of one migrated, seeded database; the ratio is the best
 * pipeline over the best COPY (a shared machine slows single runs by a fifth either way), and every
 * round's figures are printed. BENCH_ASSETS=n runs a smaller one.
 */
export const e2eSuite: Suite = (log) =>
  withBenchDatabase(async (admin, copies) => {
    let assets: Asset[] = [];
    await copies.template(TEMPLATE, async (sql) => {
      assets = await seedAssets(sql, ASSETS);
    });
    const server = await startRemoteMarket(NOW.getTime());
    try {
      await warmUp(e2eRuntime(admin, server), assets);
      log(`e2e: backfill ${ASSETS} assets ${START}..${END} through the local pipeline, ${ROUNDS} rounds`);
      const rounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const r = await copies.copyOf(TEMPLATE, (sql) => oneRound(sql, server, assets));
        log(
          `  round ${i + 1}: pipeline ${round(r.pipelineSeconds, 2)} s, raw COPY ${round(r.copySeconds, 2)} s`,
        );
        rounds.push(r);
      }
      const best = rounds.reduce((a, b) => (b.pipelineSeconds < a.pipelineSeconds ? b : a));
      const copySeconds = Math.min(...rounds.map((r) => r.copySeconds));
      const { rows, tasks, pipelineSeconds, breakdown } = best;
      const served = await server.stats();
      log(`  pipeline: ${rows} rows in ${round(pipelineSeconds, 1)} s (${tasks} tasks), best round`);
      log(`  market server: ${served.hits} answers from its cache, ${served.misses} rendered`);
      const phases = Object.entries(breakdown).map(([phase, s]) => `${phase} ${round(s, 2)}`);
      log(`  main-thread breakdown of that round, s: ${phases.join(', ')}`);
      log(`  raw COPY of the same ${rows} rows: ${round(copySeconds, 2)} s, best round`);
      return {
        assets: ASSETS,
        tasks,
        rows,
        rounds: ROUNDS,
        pipelineSeconds: round(pipelineSeconds, 2),
        pipelineRowsPerSec: Math.round(rows / pipelineSeconds),
        copySeconds: round(copySeconds, 2),
        copyRowsPerSec: Math.round(rows / copySeconds),
        ratioVsCopy: round(pipelineSeconds / copySeconds, 2),
        pipelineSecondsByRound: rounds.map((r) => round(r.pipelineSeconds, 2)).join(' '),
        copySecondsByRound: rounds.map((r) => round(r.copySeconds, 2)).join(' '),
        ...Object.fromEntries(
          Object.entries(breakdown).map(([phase, s]) => [`${phase}Seconds`, round(s, 2)]),
        ),
      };
    } finally {
      await server.stop();
    }
  }, LAMBDAS + 4);

/** One round in a fresh copy of the seeded database: the pipeline's backfill, then the raw COPY. */
async function oneRound(sql: Sql, server: RemoteMarket, assets: readonly Asset[]): Promise<Round> {
  const runtime = e2eRuntime(sql, server);
  let jobId = 0;
  // Each measurement after a checkpoint: the copy of the database, or the last round, is still being
  // written out otherwise, and would land in whichever measurement comes next.
  await sql`CHECKPOINT`;
  const { seconds: pipelineSeconds, breakdown } = await profiled(async () => {
    const plan = await planBackfill(runtime.deps, {
      start: START,
      end: END,
      assets: assets.map((a) => a.symbol),
    });
    jobId = plan.jobId ?? 0;
    await runtime.drain(IN_FLIGHT);
  });
  const [job] = await sql<{ status: string; rowsUpserted: number; tasksTotal: number }[]>`
    SELECT status, rows_upserted, tasks_total FROM job_runs WHERE id = ${jobId}`;
  if (job?.status !== 'success') throw new Error(`e2e job ended ${job?.status}`);

  // Fetched after the pipeline, so that the run does not carry the baseline's rows in its heap.
  const servedBars = await server.barsFor(
    'yahoo',
    assets.map((a) => a.symbol),
    START,
    END,
  );
  const lines = assets.flatMap((a, i) => (servedBars[i] ?? []).map((b) => ({ id: a.id, ...b })));
  await sql`CREATE TABLE prices_copy (LIKE prices_daily INCLUDING ALL)`;
  await sql`CHECKPOINT`;
  // The baseline formats its rows too: the pipeline's time includes its own formatting.
  const copySeconds = await seconds(() =>
    copyLines(
      sql,
      lines.map(
        (b) =>
          `${b.id}\t${b.sessionDate}\tyahoo\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${b.adjClose}\t${b.volume}\n`,
      ),
    ),
  );
  if (lines.length !== job.rowsUpserted)
    throw new Error(`the pipeline stored ${job.rowsUpserted} rows, the server serves ${lines.length}`);
  return { pipelineSeconds, breakdown, copySeconds, rows: job.rowsUpserted, tasks: job.tasksTotal };
}

/**
 * The local pipeline as the suite runs it: the remote market server, budgets no provider limit slows,
 * and a clock that starts at NOW and ticks. A frozen clock would make every task sleep its whole
 * stagger offset (its not-before time never comes nearer): 4 s of each worker's 10 in a 500-task run.
 */
export function e2eRuntime(sql: Sql, server: RemoteMarket): LocalRuntime {
  const started = Date.now();
  return new LocalRuntime({
    sql,
    log: createLocalLog('ERROR'),
    baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
    settings: { providerBudgets: { yahoo: 2_000, upbit: 50 } },
    now: () => new Date(NOW.getTime() + Date.now() - started),
  });
}

/** Asks once, untimed, for what each task will ask, so the market server's answers are rendered before the run. */
async function warmUp(runtime: LocalRuntime, assets: { providerSymbol: string }[]): Promise<void> {
  const { timezone } = getCalendar('XNYS');
  const until = localDateAt(NOW.getTime() / 1000, timezone);
  const yahoo = runtime.deps.providers.yahoo;
  for (let i = 0; i < assets.length; i += LAMBDAS) {
    await Promise.all(
      assets
        .slice(i, i + LAMBDAS)
        .flatMap(({ providerSymbol: symbol }) => [
          yahoo.fetchDailyBars({ symbol, start: START, end: END, timezone }),
          yahoo.fetchActionHistory?.({ symbol, until, timezone }),
        ]),
    );
  }
}

async function copyLines(sql: Sql, lines: string[]): Promise<void> {
  const sink = await sql
    .unsafe(
      'COPY prices_copy (asset_id, session_date, source, open, high, low, close, adj_close, volume) FROM STDIN',
    )
    .writable();
  const blocks = function* () {
    for (let i = 0; i < lines.length; i += 5_000) yield lines.slice(i, i + 5_000).join('');
  };
  await pipeline(Readable.from(blocks()), sink);
}
