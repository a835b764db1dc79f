import type { BuildOptions } from 'esbuild';
import { handlerEntry, repoRoot } from './paths.ts';

/** The handler files in functions/, each exporting `handler` and deployed as one Lambda. */
export const HANDLER_NAMES = [
  'collect',
  'backfill',
  'ingest',
  'dlq',
  'freshness',
  'reaper',
  'migrate',
  'notifier',
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/**
 * How every Lambda is bundled, in esbuild's own terms. PipelineFunction hands these to NodejsFunction
 * (which runs `esbuild --bundle` with them from the repository root); the `bundles` benchmark and the
 * bundle-contents test hand them to esbuild directly. One definition, so what is measured and checked
 * is what is deployed.
 */
export const LAMBDA_BUNDLING = {
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // ESM builds of dependencies first; CJS-only ones still load through the banner's require.
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  minify: true,
  // The licence notes esbuild keeps are Powertools' coverage hints (`v8 ignore ... @preserve`).
  legalComments: 'none',
  sourcemap: true,
  sourcesContent: false,
  // Nothing external: ship the SDK clients the tests ran against, not whichever the runtime carries.
  external: [],
  alias: {
    // Credentials from the environment only, as Lambda provides them (shared/aws/lambda-credentials.ts).
    '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts',
    // No bundled SDK call streams events; the SDK loads this lazily (shared/aws/lambda-event-streams.ts).
    '@smithy/core/event-streams': './shared/aws/lambda-event-streams.ts',
    // SigV4 only: SigV4a is for global endpoints, which no function uses (shared/aws/lambda-sigv4.ts).
    '@aws-sdk/signature-v4-multi-region': './shared/aws/lambda-sigv4.ts',
    // SHA-256 and MD5 from node:crypto, without the SDK's pure-JS fallbacks (shared/aws/lambda-checksum.ts).
    '@smithy/core/checksum': './shared/aws/lambda-checksum.ts',
  },
} as const;

/** The runtime's NODE_OPTIONS: stack traces point into the TypeScript sources via the source map. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/** The file name NodejsFunction gives an ESM bundle (the Lambda handler is then `index.handler`). */
export const BUNDLE_FILE = 'index.mjs';

/**
 * esbuild's options for bundling `entry` (a functions/ handler by default) into `outdir/index.mjs`
 * exactly as NodejsFunction does, with a metafile for tests that inspect what went in.
 */
export function lambdaBuildOptions(outdir: string, entry: string): BuildOptions & { metafile: true } {
  return {
    ...LAMBDA_BUNDLING,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    external: [...LAMBDA_BUNDLING.external],
    alias: { ...LAMBDA_BUNDLING.alias },
    entryPoints: [entry],
    bundle: true,
    outfile: `${outdir}/${BUNDLE_FILE}`,
    absWorkingDir: repoRoot,
    metafile: true,
    logLevel: 'warning',
  };
}

/** lambdaBuildOptions for `functions/<name>.ts`. */
export function handlerBuildOptions(outdir: string, name: HandlerName) {
  return lambdaBuildOptions(outdir, handlerEntry(name));
}
