import { Command, InvalidArgumentError } from 'commander';
import { runSoak } from '#test/reliability/soak/run-soak.ts';
import { SoakConfigError } from '#test/reliability/soak/soak-options.ts';
import { formatSoakReport } from '#test/reliability/soak/soak-report.ts';

/** Commander hands flags over as strings; zod (in runSoak) decides what is in range. */
const number = (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('expected a number');
  return parsed;
};

const program = new Command('soak')
  .description(
    'Load and soak: the daily schedule of all three markets and a multi-year backfill through the local ' +
      'pipeline with mixed provider faults, then checks that no bar was lost or duplicated and no job hangs.\n\n' +
      'Exit codes: 0 every invariant held, 1 one failed, 2 bad options.',
  )
  .option('--assets <n>', 'assets, spread over XNYS, XKRX and Upbit', number, 5_000)
  .option('--years <n>', 'years of history to backfill', number, 3)
  .option(
    '--fault-rate <share>',
    'share of requests that meet a fault (429, 5xx, truncated, hang)',
    number,
    0.01,
  )
  .option('--seed <n>', 'seeds prices and fault draws', number, 1)
  .option('--workers <n>', 'concurrent drain workers', number)
  .option('--pool <n>', 'database pool size (default: workers + 4)', number)
  .option('--json', 'print one JSON line on stdout (the summary goes to stderr)', false)
  .action(async (flags: Record<string, number | boolean | undefined> & { json: boolean }) => {
    const { json, ...options } = flags;
    const out = json ? process.stderr : process.stdout;
    const report = await runSoak(options, (line) => out.write(`${line}\n`));
    for (const line of formatSoakReport(report)) out.write(`${line}\n`);
    if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  })
  // Commander's own usage errors (unknown flag, not a number) are bad input too.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

await program.parseAsync(process.argv).catch((error: unknown) => {
  const bad = error instanceof SoakConfigError; // its message already says "soak: <field>: <problem>"
  process.stderr.write(`${bad ? '' : 'soak: '}${(error as Error).message}\n`);
  process.exit(bad ? 2 : 1);
});
