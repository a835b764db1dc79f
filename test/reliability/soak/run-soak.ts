import { loadavg } from 'node:os';
import type { CalendarId } from '#shared/calendars/index.ts';
import type { IsoDate } from '#shared/domain/daily-bar.ts';
import { addDays, utcDate } from '#shared/domain/dates.ts';
import { createLocalLog } from '#shared/local/adapters.ts';
import { LocalRuntime } from '#shared/local/runtime.ts';
import { startMarketServer } from '#shared/market-server/index.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { collectMarket } from '#shared/usecases/plan-collection.ts';
import { round, withBenchDatabase } from '#test/bench/harness.ts';
import { assessSoak } from './assess-soak.ts';
import { startConnectionSampler, startRssSampler } from './peak-sampler.ts';
import { runPhase, type SoakContext } from './run-phase.ts';
import { mixedFaults, parseSoakOptions, type SoakOptionsInput } from './soak-options.ts';
import type { PhaseReport, SoakReport } from './soak-report.ts';
import { seedSoakUniverse } from './soak-universe.ts';

/**
 * Where the soak's clock starts: a Monday noon UTC, after Seoul's close and before New York's, so no
 * session is published while a run (minutes, at most a few hours) goes on and the calendar's
 * expectations hold from start to end. The clock runs from here in real time: stagger slots come due.
 */
export const SOAK_START = Date.parse('2025-06-02T12:00:00Z');
const CALENDARS: readonly CalendarId[] = ['XNYS', 'XKRX', '24/7'];
/** Local request budgets: the pipeline, not the real services' limits, is what a soak measures. */
const BUDGETS = { yahoo: 2_000, upbit: 200 };
/** Upbit's limit on the local server, above the budget like the real 10 req/s above its default 8. */
const UPBIT_SERVER_LIMIT = 250;
/** A hung request is given up after this long and retried (the default 10 s would only slow the run). */
const PROVIDER_TIMEOUT_MS = 2_000;

/**
 * The soak: on a fresh durable PostgreSQL, the daily schedule of all three markets and then a
 * `years`-year backfill for `assets` assets, against the local market server with mixed faults; failed
 * tasks are re-planned with retryFailedOf. Reports throughput per phase, peak RSS and connections,
 * unfinished work, and the reconciliation of stored against served bars.
 * @throws SoakConfigError for invalid options (nothing is started then).
 */
export async function runSoak(input: SoakOptionsInput, log: (line: string) => void = () => {}) {
  const options = parseSoakOptions(input);
  const started = performance.now();
  const loadBefore = loadavg()[0] ?? 0;
  const clock = () => Math.floor(SOAK_START + performance.now() - started);
  return withBenchDatabase(async (sql): Promise<SoakReport> => {
    const server = await startMarketServer({
      now: clock,
      seed: options.seed,
      faults: mixedFaults(options.faultRate),
      upbitRequestsPerSecond: UPBIT_SERVER_LIMIT,
    });
    const rss = startRssSampler();
    const connections = startConnectionSampler(sql);
    try {
      const assets = await seedSoakUniverse(sql, options.assets);
      const runtime = new LocalRuntime({
        sql,
        log: createLocalLog('ERROR'),
        baseUrls: { yahoo: server.yahooBaseUrl, upbit: server.upbitBaseUrl },
        settings: { providerBudgets: BUDGETS },
        now: () => new Date(clock()),
        providerTimeoutMs: PROVIDER_TIMEOUT_MS,
      });
      const ctx: SoakContext = { sql, runtime, server, options, rss, connections };
      const end = utcDate(new Date(clock()));
      const start = addDays(`${Number(end.slice(0, 4)) - options.years}${end.slice(4)}`, 1);
      const phases: PhaseReport[] = [];
      let dailyStart: IsoDate = start;

      log(`soak: daily schedule of ${CALENDARS.join(', ')} for ${assets.length} assets`);
      phases.push(
        await runPhase(ctx, 'daily', async () => {
          const jobIds: number[] = [];
          for (const calendar of CALENDARS) {
            const collection = await collectMarket(runtime.deps, calendar);
            if (collection.start < dailyStart) dailyStart = collection.start;
            jobIds.push(collection.jobId);
          }
          return jobIds;
        }),
      );
      log(`soak: backfill ${start}..${end} for ${assets.length} assets`);
      phases.push(
        await runPhase(ctx, 'backfill', async () => {
          const plan = await planBackfill(runtime.deps, { start, end });
          return plan.jobId === null ? [] : [plan.jobId];
        }),
      );
      const totalSeconds = round((performance.now() - started) / 1000, 1);
      const run = { assets, phases, range: { start: dailyStart, end }, totalSeconds, loadBefore };
      return await assessSoak(ctx, run, log);
    } finally {
      try {
        await rss.stop(); // throws when a sampler failed: its peaks would be too low
        await connections.stop().finally(() => connections.close());
      } finally {
        await server.stop();
      }
    }
  }, options.pool);
}
