import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql } from '#shared/db/client.ts';
import { startLocalPostgres } from '#shared/db/local-postgres.ts';
import { migrate } from '#shared/db/migrations.ts';
import { planBackfill } from '#shared/usecases/plan-backfill.ts';
import { seedAssets } from '#test/support/fixtures.ts';
import { END, e2eRuntime, NOW, START } from './e2e.bench.ts';
import { startRemoteMarket } from './remote-market.ts';

/**
 * How many statements the server runs per ingest task: a BENCH_ASSETS-asset (default 20) x 3-year
 * backfill like the e2e suite's, with `log_min_duration_statement = 0` during the drain, then the
 * server log's executions (extended-protocol executes and simple-protocol statements) counted, in
 * total and by their first words, with the server time each kind took (lock waits included). Not a suite (nothing is timed):
 * `node --import tsx test/bench/statement-count.ts`.
 */
const ASSETS = Number(process.env.BENCH_ASSETS ?? 20);

const root = await mkdtemp(join(tmpdir(), 'market-data-statements-'));
const cluster = await startLocalPostgres({ dataDir: join(root, 'pg') });
const sql = createSql(cluster.url, { max: 20 });
const server = await startRemoteMarket(NOW.getTime());
try {
  await migrate(sql);
  const assets = await seedAssets(sql, ASSETS);
  const runtime = e2eRuntime(sql, server);
  await planBackfill(runtime.deps, {
    start: START,
    end: END,
    assets: assets.map((a) => a.symbol),
  });
  const logFile = join(cluster.dataDir, 'server.log');
  await sql`ALTER SYSTEM SET log_min_duration_statement = 0`;
  await sql`SELECT pg_reload_conf()`;
  // Every backend re-reads its settings (SIGHUP) before its next command.
  const from = (await readFile(logFile, 'utf8')).length;
  await runtime.drain(160); // as the e2e suite: 16 ingest Lambdas given batches of 10
  const to = (await readFile(logFile, 'utf8')).length;
  const log = (await readFile(logFile, 'utf8')).slice(from, to);
  const executed = [
    // A statement's text runs over lines, up to the next log line's timestamp.
    ...log.matchAll(
      /duration: ([\d.]+) ms {2}(?:execute [^:]*|statement): ([\s\S]*?)(?=\n\d{4}-\d\d-\d\d |$)/g,
    ),
  ].map((m) => ({ ms: Number(m[1]), text: (m[2] ?? '').replace(/\s+/g, ' ').trim() }));
  const byKind = new Map<string, { n: number; ms: number }>();
  for (const { ms, text } of executed) {
    const key = text.slice(0, 70);
    const kind = byKind.get(key) ?? { n: 0, ms: 0 };
    byKind.set(key, { n: kind.n + 1, ms: kind.ms + ms });
  }
  const lines = [...byKind]
    .sort((a, b) => b[1].n - a[1].n)
    .map(([k, { n, ms }]) => `${String(n).padStart(6)} ${ms.toFixed(0).padStart(7)} ms  ${k}`);
  process.stdout.write(`count, server ms summed, statement\n${lines.join('\n')}\n`);
  process.stdout.write(
    `${executed.length} statements for ${ASSETS} tasks: ${(executed.length / ASSETS).toFixed(1)} per task\n`,
  );
} finally {
  await sql.end({ timeout: 5 });
  await server.stop();
  await cluster.stop();
  await rm(root, { recursive: true, force: true });
}
