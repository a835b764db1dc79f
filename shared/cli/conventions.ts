import type { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { EXIT_CODES_HELP } from './exit-codes.ts';

/**
 * What every command of the CLI shares: `--version`, the exit codes in `--help`, the global options
 * (`--json`) in each subcommand's help, usage errors as one whole line with exit 2, and a closed pipe
 * (`... | head -1`) ending the process quietly with 0.
 */
export function followConventions(program: Command): Command {
  process.stdout.on('error', quitOnClosedPipe);
  return (
    program
      .version(packageJson.version, '-V, --version', 'print the version')
      .configureHelp({ showGlobalOptions: true })
      .addHelpText('after', `\n${EXIT_CODES_HELP}`)
      // Usage errors in one line (commander puts "Did you mean --start?" on a second one).
      .configureOutput({
        outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`),
      })
      // Usage errors (unknown command or option, missing value) are bad input: exit 2, like the rest.
      .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  );
}

/** `market-data status | head -1`: the reader left, nothing is wrong (no stack trace, exit 0). */
function quitOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
}

/** Adds "Example:" lines to the help of each command named in `examples` (by its path, "jobs cancel"). */
export function addExamples(program: Command, examples: Record<string, string>): void {
  const visit = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const name = [...path, sub.name()].join(' ');
      const example = examples[name];
      if (example) sub.addHelpText('after', `\nExample:\n  ${example}\n`);
      visit(sub, [...path, sub.name()]);
    }
  };
  visit(program, []);
}
