import { Command } from 'commander';
import { dbCheckCommand, migrateCommand, statusCommand } from '#shared/cli/db-commands.ts';
import { createOutput, type Output } from '#shared/cli/output.ts';
import { type Config, loadConfig } from '#shared/config.ts';

const EXIT_CODES = `
Exit codes:
  0  success
  1  the operation ran and failed (job failed, drift found, stale data...)
  2  bad input or configuration: nothing was changed`;

type Action = (config: Config, out: Output) => Promise<number>;

/** Wraps a command: parse config, run, map errors to a one-line message and an exit code. */
function run(action: Action) {
  return async (_options: unknown, command: Command) => {
    const { json } = command.optsWithGlobals<{ json: boolean }>();
    const out = createOutput(json);
    try {
      process.exitCode = await action(loadConfig(), out);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`${command.name()}: ${message}\n`);
      process.exitCode = isInputError(error) ? 2 : 1;
    }
  };
}

function isInputError(error: unknown): boolean {
  return error instanceof Error && ['ConfigError', 'UniverseError', 'InputError'].includes(error.name);
}

const program = new Command('market-data')
  .description(
    'Daily OHLCV for US, KRX and crypto markets into PostgreSQL: the same pipeline as on AWS, run locally.',
  )
  .option('--json', 'print one machine-readable JSON result on stdout', false)
  .addHelpText('after', EXIT_CODES)
  .showHelpAfterError()
  // Usage errors (unknown command or option, missing value) are bad input: exit 2, like the rest.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('start')
  .description('the main job: migrate the database and report its status')
  .action(run(statusCommand));
program
  .command('status')
  .description('migrate, sync the asset universe and summarise what is stored')
  .action(run(statusCommand));
program.command('migrate').description('apply pending database migrations').action(run(migrateCommand));
program
  .command('db')
  .description('database maintenance')
  .command('check')
  .description('compare the live schema with what the migrations define (exit 1 on drift)')
  .action(run(dbCheckCommand));

await program.parseAsync(process.argv);
