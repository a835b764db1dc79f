import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getCalendar } from '#shared/calendars/index.ts';
import type { Sql } from '#shared/db/client.ts';
import { createLocalLog } from '#shared/local/adapters.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { localDateAt } from '#shared/providers/dates.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { seedAssets } from '#test/support/fixtures.ts';
import { profiled } from './cpu-breakdown.ts';
import { benchAssets, round, type Suite, seconds, withBenchDatabase } from './harness.ts';
import { type RemoteMarket, startRemoteMarket } from './remote-market.ts';

const ASSETS = benchAssets(500);
export const START = '2022-01-01';
export const END = '2024-12-31';
/** Fixed so the market server has every session of the range and the run is repeatable. */
export const NOW = new Date('2025-06-02T12:00:00Z');
/** Like 16 concurrent ingest Lambdas; each holds a pooled connection while it writes. */
const WORKERS = 16;

/**
 * Suite `e2e`: a 500-asset x 3-year backfill through the whole local path (plan, queue, market server
 * over HTTP, validation, upsert, task bookkeeping), against a raw COPY of the same rows. The market
 * server runs in a worker thread of its own, as the provider is remote in production: the figure is the
 * pipeline's, not the stand-in's. The pipeline runs under the sampling profiler, whose samples give the
 * breakdown (seconds of wall time per phase, see cpu-breakdown.ts). BENCH_ASSETS=n runs a smaller one.
 */
export const e2eSuite: Suite = (log) =>
  withBenchDatabase(async (sql) => {
    const assets = await seedAssets(sql, ASSETS);
    const server = await startRemoteMarket(NOW.getTime());
    try {
      const runtime = e2eRuntime(sql, server);
      await warmUp(runtime, assets);
      log(`e2e: backfill ${ASSETS} assets ${START}..${END} through the local pipeline`);
      let jobId = 0;
      const { seconds: pipelineSeconds, breakdown } = await profiled(async () => {
        const plan = await planBackfill(runtime.deps, {
          start: START,
          end: END,
          assets: assets.map((a) => a.symbol),
        });
        jobId = plan.jobId ?? 0;
        await runtime.drain(WORKERS);
      });
      const [job] = await sql<{ status: string; rowsUpserted: number; tasksTotal: number }[]>`
        SELECT status, rows_upserted, tasks_total FROM job_runs WHERE id = ${jobId}`;
      if (job?.status !== 'success') throw new Error(`e2e job ended ${job?.status}`);
      const rows = job.rowsUpserted;
      const served = await server.stats();
      log(`  pipeline: ${rows} rows in ${round(pipelineSeconds, 1)} s (${job.tasksTotal} tasks)`);
      log(`  market server: ${served.hits} answers from its cache, ${served.misses} rendered`);
      const phases = Object.entries(breakdown).map(([phase, s]) => `${phase} ${round(s, 2)}`);
      log(`  main-thread breakdown, s: ${phases.join(', ')}`);

      const servedBars = await server.barsFor(
        'yahoo',
        assets.map((a) => a.symbol),
        START,
        END,
      );
      const bars = assets.map((a, i) => ({ id: a.id, bars: servedBars[i] ?? [] }));
      await sql`CREATE TABLE prices_copy (LIKE prices_daily INCLUDING ALL)`;
      let copied = 0;
      // The baseline formats its rows too: the pipeline's time includes its own formatting.
      const copySeconds = await seconds(() => {
        const lines = bars.flatMap(({ id, bars }) =>
          bars.map(
            (b) =>
              `${id}\t${b.sessionDate}\tyahoo\t${b.open}\t${b.high}\t${b.low}\t${b.close}\t${b.adjClose}\t${b.volume}\n`,
          ),
        );
        copied = lines.length;
        return copyLines(sql, lines);
      });
      if (copied !== rows) throw new Error(`the pipeline stored ${rows} rows, the server serves ${copied}`);
      log(`  raw COPY of the same ${copied} rows: ${round(copySeconds, 2)} s`);
      return {
        assets: ASSETS,
        tasks: job.tasksTotal,
        rows,
        pipelineSeconds: round(pipelineSeconds, 2),
        pipelineRowsPerSec: Math.round(rows / pipelineSeconds),
        copySeconds: round(copySeconds, 2),
        copyRowsPerSec: Math.round(copied / copySeconds),
        ratioVsCopy: round(pipelineSeconds / copySeconds, 2),
        ...Object.fromEntries(
          Object.entries(breakdown).map(([phase, s]) => [`${phase}Seconds`, round(s, 2)]),
        ),
      };
    } finally {
      await server.stop();
    }
  }, WORKERS + 4);

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
  for (let i = 0; i < assets.length; i += WORKERS) {
    await Promise.all(
      assets
        .slice(i, i + WORKERS)
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
