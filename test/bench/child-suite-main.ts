import type { Suite } from './harness.ts';

// Entry of inChildProcess (child-suite.ts): runs one suite, progress on stderr, its result as the last
// stdout line.
const [module, name] = process.argv.slice(2);
try {
  const suite = (await import(new URL(module ?? '', import.meta.url).href))[name ?? ''] as Suite | undefined;
  if (typeof suite !== 'function') throw new Error(`no suite ${name} in ${module}`);
  const result = await suite((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
