import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_NAMES } from '#infra/lambda-bundling.ts';
import { repoRoot } from '#infra/paths.ts';
import { SIZE_TARGET, TODAY } from '#test/bench/bundles.bench.ts';
import { buildHandlerBundles, type LambdaBundle } from '#test/support/lambda-bundles.ts';

// What goes into each Lambda, read from esbuild's metafile of the bundle CDK would deploy: structural,
// so a shared module that starts importing a client, or a second copy of a package, fails here.
let root: string;
let bundles: Map<string, LambdaBundle>;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'market-data-bundle-test-'));
  bundles = new Map((await buildHandlerBundles(root)).map((b) => [b.name, b]));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const inputsOf = (name: string) => bundles.get(name)?.inputs ?? [];
/** The packages (node_modules/<package>, by their own directory) whose code is in the bundle. */
const packagesOf = (name: string) =>
  new Set(inputsOf(name).map((p) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1] ?? 'own code'));
const packageNamesOf = (name: string) =>
  [...packagesOf(name)].map((dir) => dir.replace(/.*node_modules\//, ''));

describe('function bundles', () => {
  // Bytes are deterministic, unlike import times (the bundles bench): a change that grows a function
  // past issue 12's target fails here, with the function named.
  it.each(HANDLER_NAMES)('keep %s within 0.4x of its size before issue 12', (name) => {
    expect(bundles.get(name)?.bytes).toBeLessThanOrEqual(TODAY[name].bytes * SIZE_TARGET);
  });

  it('are built for every handler in functions/', () => {
    const files = readdirSync(join(repoRoot, 'functions')).filter((f) => f.endsWith('.ts'));
    expect([...HANDLER_NAMES].sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
  });

  it('give the notifier the Secrets Manager client and nothing of the database, the queue or the bus', () => {
    const packages = packageNamesOf('notifier');
    expect(packages).toContain('@aws-sdk/client-secrets-manager');
    expect(packages).not.toContain('postgres');
    expect(packages).not.toContain('@aws-sdk/client-sqs');
    expect(packages).not.toContain('@aws-sdk/client-eventbridge');
    expect(inputsOf('notifier').filter((p) => p.startsWith('shared/db/'))).toEqual([]);
  });

  it('give migrate the database but neither the queue nor the bus client', () => {
    const packages = packageNamesOf('migrate');
    expect(packages).toContain('postgres');
    expect(packages).not.toContain('@aws-sdk/client-sqs');
    expect(packages).not.toContain('@aws-sdk/client-eventbridge');
  });

  it.each(HANDLER_NAMES)(
    '%s resolves SDK credentials from the environment, without the SDK chain',
    (name) => {
      expect(inputsOf(name)).toContain('shared/aws/lambda-credentials.ts');
      const chain = packageNamesOf(name).filter(
        (p) => p === '@aws-sdk/nested-clients' || /^@aws-sdk\/credential-provider-(?!env$)/.test(p),
      );
      expect(chain).toEqual([]);
    },
  );

  it.each(HANDLER_NAMES)('%s carries zod English messages and no other locale', (name) => {
    const locales = inputsOf(name).filter((p) => p.includes('node_modules/zod/') && p.includes('/locales/'));
    expect(locales.map((p) => p.replace(/.*\/locales\//, ''))).toEqual(['en.js']);
  });

  it.each(HANDLER_NAMES)('%s validates with zod/mini and carries none of classic zod', (name) => {
    const zod = inputsOf(name).filter((p) => p.includes('node_modules/zod/'));
    expect(zod.filter((p) => p.includes('/v4/mini/'))).not.toEqual([]);
    expect(zod.filter((p) => p.includes('/v4/classic/') || p.includes('json-schema'))).toEqual([]);
  });

  it.each(HANDLER_NAMES)('%s leaves out the SDK event-stream codec that no bundled call uses', (name) => {
    expect(inputsOf(name)).toContain('shared/aws/lambda-event-streams.ts');
    expect(
      inputsOf(name).filter((p) => p.includes('@smithy/core/dist-es/submodules/event-streams/')),
    ).toEqual([]);
  });

  it.each(HANDLER_NAMES)('%s signs with plain SigV4, without the SDK SigV4a signer', (name) => {
    const withBus = packageNamesOf(name).includes('@aws-sdk/client-eventbridge');
    expect(inputsOf(name).includes('shared/aws/lambda-sigv4.ts')).toBe(withBus);
    expect(packageNamesOf(name)).not.toContain('@aws-sdk/signature-v4-multi-region');
  });

  it.each(HANDLER_NAMES)("%s keeps of each SDK client's package.json only its version", (name) => {
    // patches/@aws-sdk+client-*.patch: a named import, so esbuild drops the rest of the manifest.
    const output = Object.entries(bundles.get(name)?.metafile.outputs ?? {}).find(([p]) =>
      p.endsWith('.mjs'),
    )?.[1];
    const manifests = Object.entries(output?.inputs ?? {}).filter(
      ([p, input]) =>
        /node_modules\/@aws-sdk\/client-[^/]+\/package\.json$/.test(p) && input.bytesInOutput > 0,
    );
    expect(manifests).not.toEqual([]);
    expect(manifests.filter(([, input]) => input.bytesInOutput > 40)).toEqual([]);
  });

  it.each(HANDLER_NAMES)("%s hashes with node:crypto, without the SDK's checksum module", (name) => {
    expect(inputsOf(name)).toContain('shared/aws/lambda-checksum.ts');
    expect(inputsOf(name).filter((p) => p.includes('@smithy/core/dist-es/submodules/checksum/'))).toEqual([]);
  });

  it('give the SQS client only to the functions that send to the ingest queue', () => {
    const withSqs = HANDLER_NAMES.filter((name) => packageNamesOf(name).includes('@aws-sdk/client-sqs'));
    expect(withSqs).toEqual(['collect', 'backfill', 'ingest', 'freshness']);
  });

  it('give the price providers and their HTTP client to ingest alone', () => {
    const withProviders = HANDLER_NAMES.filter((name) =>
      inputsOf(name).some((p) => p === 'shared/providers/index.ts' || p === 'shared/http/client.ts'),
    );
    expect(withProviders).toEqual(['ingest']);
  });

  it.each(HANDLER_NAMES)('%s reads its secrets without Powertools Parameters', (name) => {
    expect(packageNamesOf(name)).not.toContain('@aws-lambda-powertools/parameters');
  });

  it.each(HANDLER_NAMES)('%s carries one copy of each package, Powertools commons among them', (name) => {
    const byName = new Map<string, string[]>();
    for (const dir of packagesOf(name)) {
      const pkg = dir.replace(/.*node_modules\//, '');
      byName.set(pkg, [...(byName.get(pkg) ?? []), dir]);
    }
    expect([...byName].filter(([, dirs]) => dirs.length > 1)).toEqual([]);
    expect(byName.get('@aws-lambda-powertools/commons')).toHaveLength(1);
  });

  it('come from one exact version of every Powertools package', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const versions = Object.entries<string>(manifest.dependencies)
      .filter(([pkg]) => pkg.startsWith('@aws-lambda-powertools/'))
      .map(([, version]) => version);
    expect(versions.length).toBeGreaterThan(1);
    expect(new Set(versions).size).toBe(1);
    expect(versions[0]).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
