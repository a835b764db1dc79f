import { Command, Option } from 'commander';
import { bundlesSuite } from '#test/bench/bundles.bench.ts';
import { inChildProcess } from '#test/bench/child-suite.ts';
import { e2eSuite } from '#test/bench/e2e.bench.ts';
import { freshnessSuite } from '#test/bench/freshness.bench.ts';
import type { Suite, SuiteResult } from '#test/bench/harness.ts';
import { staggerSuite } from '#test/bench/stagger.bench.ts';
import { upsertSuite } from '#test/bench/upsert.bench.ts';

const suites: Record<string, Suite> = {
  upsert: upsertSuite,
  stagger: staggerSuite,
  e2e: e2eSuite,
  freshness: freshnessSuite,
  bundles: bundlesSuite,
  // Its own process, so its peak RSS is its own and not that of the suites before it.
  scale: inChildProcess('./scale.bench.ts', 'scaleSuite'),
};

const program = new Command('bench')
  .description(
    'Runs the benchmarks. Each suite measures the product against a baseline in the same run and reports ratios;\n' +
      'the last line printed is one JSON object keyed by suite name.',
  )
  .addOption(new Option('--suite <name>', 'run only this suite').choices(Object.keys(suites)))
  .option('--json', 'print only the JSON line on stdout (progress goes to stderr)', false)
  .action(async (options: { suite?: string; json: boolean }) => {
    const log = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
    const selected = options.suite ? [options.suite] : Object.keys(suites);
    const results: Record<string, SuiteResult> = {};
    for (const name of selected) {
      const suite = suites[name];
      if (suite) results[name] = await suite(log);
      // Which suite raises this process's peak (the scale suite reports its own child's).
      log(
        `bench: after ${name}, this process's peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
      );
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
  });

await program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(1);
});
