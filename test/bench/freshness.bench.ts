import type { Sql } from '#shared/db/client.ts';
import { latestSessionGroups } from '#shared/db/coverage.ts';
import { seedAssets } from '#test/support/fixtures.ts';
import { round, type Suite, seconds, withBenchDatabase } from './harness.ts';

const ASSETS = 5_000;
const YEARS = 10;
const RUNS = 21;

/**
 * Suite `freshness`: 5,000 assets x 10 years of weekday bars (~13M rows). p50 of the freshness query
 * (latest stored session per active asset) against `SELECT asset_id, max(session_date) ... GROUP BY 1`.
 */
export const freshnessSuite: Suite = (log) =>
  withBenchDatabase(async (sql) => {
    await seedAssets(sql, ASSETS);
    log(`freshness: generating ${ASSETS} assets x ${YEARS} years of bars (this takes a minute)...`);
    const load = await seconds(() => generateBars(sql));
    const [{ rows }] = await sql<[{ rows: number }]>`SELECT count(*)::int AS rows FROM prices_daily`;
    await sql`VACUUM ANALYZE prices_daily`;
    log(`  ${rows} rows loaded in ${round(load, 1)} s`);

    const ours = await timings(RUNS, async () => {
      const groups = await latestSessionGroups(sql);
      const seen = groups.reduce((n, g) => n + g.symbols.length, 0);
      if (seen !== ASSETS) throw new Error(`freshness query saw ${seen} assets`);
    });
    const baseline = await timings(
      5,
      () => sql`SELECT asset_id, max(session_date) FROM prices_daily GROUP BY 1`,
    );
    const p50 = median(ours);
    const baselineP50 = median(baseline);
    log(`  freshness query p50 ${round(p50, 2)} ms; GROUP BY p50 ${round(baselineP50, 1)} ms`);
    return {
      assets: ASSETS,
      rows,
      p50Ms: round(p50, 2),
      baselineGroupByP50Ms: round(baselineP50, 1),
      speedup: round(baselineP50 / p50, 1),
    };
  });

/** Server-side generation: every weekday of ten years for every asset, in one statement per 500 assets. */
async function generateBars(sql: Sql): Promise<void> {
  for (let first = 1; first <= ASSETS; first += 500) {
    await sql`
      INSERT INTO prices_daily (asset_id, session_date, source, open, high, low, close, adj_close, volume)
      SELECT a.id, d::date, 'yahoo', 100 + (a.id % 50), 102 + (a.id % 50), 99 + (a.id % 50), 101 + (a.id % 50),
             101 + (a.id % 50), 1000000
      FROM assets a
      CROSS JOIN generate_series(date '2016-01-04', date '2016-01-04' + ${YEARS * 365 - 1}::int, interval '1 day') d
      WHERE a.id BETWEEN ${first} AND ${first + 499} AND extract(isodow FROM d) < 6`;
  }
}

async function timings(runs: number, work: () => Promise<unknown>): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < runs; i++) result.push((await seconds(work)) * 1000);
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
