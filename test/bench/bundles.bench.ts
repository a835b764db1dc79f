import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type HandlerName, LAMBDA_NODE_OPTIONS } from '#infra/lambda-bundling.ts';
import { buildHandlerBundles, buildLambdaBundle, type LambdaBundle } from '#test/support/lambda-bundles.ts';
import { round, type Suite } from './harness.ts';

const run = promisify(execFile);

/** Cold imports per bundle; the median is reported. Runs interleave the bundles, so drift hits all alike. */
const RUNS = 15;

/**
 * Each function on main before issue 12 item 6 (commit 4788006, Powertools 2.35/2.36, `import { z }`):
 * minified and gzip bytes (deterministic), and the cold import time as a multiple of the minimal
 * handler's in the same run: the mean of two runs of 9 on this shared 2-core machine, Node 20, whose
 * ratios were 6.5/6.4 collect, 6.7/6.7 backfill, 7.2/6.0 ingest, 8.0/7.0 dlq, 6.3/6.0 freshness,
 * 7.5/6.0 reaper, 7.5/6.3 migrate, 6.3/6.1 notifier (minimal 25 and 92 ms: the machine's load moves
 * everything). Targets (issue 12): bytes <= 0.4x and import time <= 0.7x these.
 */
export const TODAY: Record<HandlerName, { bytes: number; gzipBytes: number; importOverMinimal: number }> = {
  collect: { bytes: 942_461, gzipBytes: 245_512, importOverMinimal: 6.45 },
  backfill: { bytes: 946_535, gzipBytes: 246_882, importOverMinimal: 6.71 },
  ingest: { bytes: 974_963, gzipBytes: 255_132, importOverMinimal: 6.63 },
  dlq: { bytes: 975_232, gzipBytes: 255_232, importOverMinimal: 7.46 },
  freshness: { bytes: 946_683, gzipBytes: 246_610, importOverMinimal: 6.13 },
  reaper: { bytes: 938_708, gzipBytes: 243_735, importOverMinimal: 6.74 },
  migrate: { bytes: 902_778, gzipBytes: 232_025, importOverMinimal: 6.87 },
  notifier: { bytes: 891_983, gzipBytes: 228_242, importOverMinimal: 6.21 },
};
export const SIZE_TARGET = 0.4;
const IMPORT_TARGET = 0.7;

/** What a cold start reads at module scope: every variable any function validates, of the deployed shape. */
const LAMBDA_LIKE_ENV = {
  AWS_REGION: 'us-east-1',
  STAGE: 'dev',
  LOG_LEVEL: 'INFO',
  POWERTOOLS_SERVICE_NAME: 'market-data-dev',
  POWERTOOLS_METRICS_NAMESPACE: 'MarketData',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:market-data/dev/db',
  DB_TLS: 'verify-full',
  INGEST_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111111111111/market-data-dev-ingest',
  EVENT_BUS_NAME: 'market-data-dev',
  DISCORD_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:market-data/dev/discord',
  AUTO_REPAIR: 'false',
  // Deployed, the bundle carries migrations/ at /var/task/migrations and migrate hashes it at import;
  // here the repository's folder stands in, so that read is part of its cold import as in Lambda.
  MIGRATIONS_DIR: fileURLToPath(new URL('../../migrations', import.meta.url)),
};

/**
 * Suite `bundles`: every function bundled as CDK does (infra/lambda-bundling.ts), against a minimal
 * Powertools handler (a Logger only) built the same way in the same run. Reports each one's minified
 * and gzip size and its cold import time (a fresh `node` with the runtime's NODE_OPTIONS importing the
 * bundle; median of RUNS), as ratios to the minimal handler and to TODAY.
 */
export const bundlesSuite: Suite = async (log) => {
  const root = await mkdtemp(join(tmpdir(), 'market-data-bundles-'));
  try {
    const functions = await buildHandlerBundles(root);
    const minimal = await buildLambdaBundle(
      root,
      'minimal',
      new URL('./minimal-handler.ts', import.meta.url).pathname,
    );
    const all = [minimal, ...functions];
    const samples = new Map<string, number[]>(all.map((b) => [b.name, []]));
    for (let i = 0; i < RUNS; i += 1) {
      log(`bundles: cold imports, run ${i + 1}/${RUNS}`);
      for (const bundle of all) samples.get(bundle.name)?.push(await coldImportMs(bundle));
    }
    const importMs = (b: LambdaBundle) => median(samples.get(b.name) ?? []);
    const minimalMs = importMs(minimal);
    const result: Record<string, number | boolean> = {
      runs: RUNS,
      'minimal.bytes': minimal.bytes,
      'minimal.gzipBytes': minimal.gzipBytes,
      'minimal.importMs': round(minimalMs, 1),
    };
    log(`  minimal: ${kb(minimal.bytes)} (${kb(minimal.gzipBytes)} gzip), import ${round(minimalMs, 1)} ms`);
    let allWithinTarget = true;
    for (const bundle of functions) {
      const today = TODAY[bundle.name as HandlerName];
      const ms = importMs(bundle);
      const importOverMinimal = ms / minimalMs;
      const sizeOverToday = bundle.bytes / today.bytes;
      const importOverToday = importOverMinimal / today.importOverMinimal;
      const within = sizeOverToday <= SIZE_TARGET && importOverToday <= IMPORT_TARGET;
      allWithinTarget &&= within;
      Object.assign(result, {
        [`${bundle.name}.bytes`]: bundle.bytes,
        [`${bundle.name}.gzipBytes`]: bundle.gzipBytes,
        [`${bundle.name}.importMs`]: round(ms, 1),
        [`${bundle.name}.sizeOverMinimal`]: round(bundle.bytes / minimal.bytes),
        [`${bundle.name}.importOverMinimal`]: round(importOverMinimal),
        [`${bundle.name}.sizeOverToday`]: round(sizeOverToday),
        [`${bundle.name}.importOverToday`]: round(importOverToday),
        [`${bundle.name}.withinTarget`]: within,
      });
      log(
        `  ${bundle.name}: ${kb(bundle.bytes)} (${kb(bundle.gzipBytes)} gzip, ${round(sizeOverToday)}x today), ` +
          `import ${round(ms, 1)} ms (${round(importOverMinimal)}x minimal, ${round(importOverToday)}x today)`,
      );
    }
    result.allWithinTarget = allWithinTarget;
    return result;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
};

/** Milliseconds a fresh Node process spends in `import()` of the bundle (its own start-up excluded). */
async function coldImportMs(bundle: LambdaBundle): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle.file).href)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await run(
    process.execPath,
    [...LAMBDA_NODE_OPTIONS.split(' '), '--input-type=module', '-e', script],
    { env: { ...LAMBDA_LIKE_ENV, PATH: process.env.PATH } },
  );
  const ms = Number(stdout);
  if (!Number.isFinite(ms))
    throw new Error(`bundles: importing ${bundle.name} printed ${stdout.slice(0, 200)}`);
  return ms;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const kb = (bytes: number) => `${round(bytes / 1024, 1)} KB`;
