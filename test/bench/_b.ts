import { build } from 'esbuild';
import { handlerBuildOptions } from '#infra/lambda-bundling.ts';

await build(handlerBuildOptions(`/tmp/lean/out/${process.argv[2]}`, process.argv[2] as never));
