import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLE_FILE,
  HANDLER_NAMES,
  handlerBuildOptions,
  lambdaBuildOptions,
} from '#infra/lambda-bundling.ts';

export interface LambdaBundle {
  readonly name: string;
  /** The bundle's index.mjs. */
  readonly file: string;
  /** Minified size, as deployed. */
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The input files (relative to the repository root) that contributed code to the bundle. */
  readonly inputs: readonly string[];
  readonly metafile: Metafile;
}

/** Bundles `entry` into `<root>/<name>/` exactly as NodejsFunction does (infra/lambda-bundling.ts). */
export async function buildLambdaBundle(root: string, name: string, entry: string): Promise<LambdaBundle> {
  return describeBuild(root, name, await build(lambdaBuildOptions(join(root, name), entry)));
}

/** Every handler of functions/, bundled as deployed, in HANDLER_NAMES order. */
export async function buildHandlerBundles(root: string): Promise<LambdaBundle[]> {
  const bundles: LambdaBundle[] = [];
  for (const name of HANDLER_NAMES) {
    bundles.push(await describeBuild(root, name, await build(handlerBuildOptions(join(root, name), name))));
  }
  return bundles;
}

async function describeBuild(
  root: string,
  name: string,
  result: { metafile: Metafile },
): Promise<LambdaBundle> {
  const file = join(root, name, BUNDLE_FILE);
  const code = await readFile(file);
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(BUNDLE_FILE))?.[1];
  if (!output) throw new Error(`esbuild wrote no ${BUNDLE_FILE} for ${name}`);
  return {
    name,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    inputs: Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
    metafile: result.metafile,
  };
}
